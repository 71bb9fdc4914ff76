// Live length counts on the article form's search and social fields
// (progressive enhancement: without JavaScript each field shows its count
// as the page was sent, and the server checks every limit on save).
//
// A field opts in with `data-count`; `data-count-max` is the server's limit
// and `data-count-shown` (optional) what search results show of it. The
// count lives in the element `#<field id>-count`. Characters are counted as
// the server counts them (Unicode scalar values, not UTF-16 units).
(function () {
  'use strict';

  function length(text) {
    return Array.from(text).length;
  }

  function describe(field) {
    var n = length(field.value);
    var max = parseInt(field.getAttribute('data-count-max'), 10);
    var shown = parseInt(field.getAttribute('data-count-shown'), 10);
    var parts = [n + (n === 1 ? ' character' : ' characters')];
    if (!isNaN(shown)) {
      parts.push('search results show about ' + shown);
    }
    if (!isNaN(max)) {
      parts.push(n > max ? (n - max) + ' over the limit of ' + max : 'at most ' + max);
    }
    var text = parts.join(' · ');
    if (n === 0 && field.placeholder) {
      text += ' · empty: uses “' + field.placeholder + '” (' + length(field.placeholder) + ')';
    }
    return {
      text: text,
      over: !isNaN(max) && n > max,
      long: !isNaN(shown) && n > shown
    };
  }

  function update(field) {
    var out = document.getElementById(field.id + '-count');
    if (!out) {
      return;
    }
    var d = describe(field);
    out.textContent = d.text;
    out.classList.toggle('char-count--over', d.over);
    out.classList.toggle('char-count--long', d.long && !d.over);
  }

  // The defaults follow what they default to, as it is typed.
  var follows = { seo_title: 'headline', seo_description: 'standfirst' };

  function start() {
    var fields = document.querySelectorAll('[data-count]');
    Array.prototype.forEach.call(fields, function (field) {
      update(field);
      field.addEventListener('input', function () { update(field); });
      var sourceId = follows[field.id];
      var source = sourceId && document.getElementById(sourceId);
      if (source) {
        source.addEventListener('input', function () {
          field.placeholder = source.value;
          update(field);
        });
      }
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
