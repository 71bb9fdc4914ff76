// Share bar progressive enhancement: adds "Copy link" and "Share…" buttons
// to the server-rendered share links. Without JavaScript neither button exists.
(function () {
  'use strict';

  var STATUS_CLEAR_MS = 4000;

  function addButton(list, label, modifier, onClick) {
    var item = document.createElement('li');
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'share__button share__button--' + modifier;
    button.textContent = label;
    button.addEventListener('click', onClick);
    item.appendChild(button);
    list.appendChild(item);
    return button;
  }

  function enhance(nav) {
    var list = nav.querySelector('.share__list');
    var status = nav.querySelector('.share__status');
    var url = nav.getAttribute('data-share-url') || window.location.href;
    var title = nav.getAttribute('data-share-title') || document.title;
    var timer = null;

    if (!list) {
      return;
    }

    function announce(message) {
      if (!status) {
        return;
      }
      window.clearTimeout(timer);
      status.textContent = message;
      timer = window.setTimeout(function () {
        status.textContent = '';
      }, STATUS_CLEAR_MS);
    }

    if (navigator.clipboard && window.isSecureContext) {
      addButton(list, 'Copy link', 'copy', function () {
        navigator.clipboard.writeText(url).then(
          function () { announce('Link copied'); },
          function () { announce('Could not copy the link'); }
        );
      });
    }

    if (typeof navigator.share === 'function') {
      addButton(list, 'Share…', 'native', function () {
        navigator.share({ title: title, url: url }).catch(function (error) {
          if (!error || error.name !== 'AbortError') {
            announce('Could not open the share sheet');
          }
        });
      });
    }
  }

  var navs = document.querySelectorAll('nav.share');
  for (var i = 0; i < navs.length; i += 1) {
    enhance(navs[i]);
  }
}());
