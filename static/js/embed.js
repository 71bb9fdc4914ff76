// Embed facades, progressive enhancement: the server renders each embed as a
// link card and nothing is fetched from the provider. Here cards of iframe
// players (YouTube through youtube-nocookie.com, Vimeo) get a "Load" button
// that swaps in the player; the reader's press is the only thing that loads
// it. Posts (X, Bluesky, Mastodon, Instagram) stay link cards: their embeds
// need the provider's own script. Ids are checked again here, so nothing but
// a validated id ever reaches an iframe URL; the page's Content-Security-Policy
// allows frames from these two origins only.
(function () {
  'use strict';

  var PLAYERS = {
    youtube: {
      name: 'YouTube',
      valid: /^[A-Za-z0-9_-]{11}$/,
      src: function (id, start) {
        return 'https://www.youtube-nocookie.com/embed/' + id + '?autoplay=1' +
          (start ? '&start=' + start : '');
      }
    },
    vimeo: {
      name: 'Vimeo',
      valid: /^[0-9]{1,12}$/,
      src: function (id) {
        return 'https://player.vimeo.com/video/' + id + '?autoplay=1&dnt=1';
      }
    }
  };

  function enhance(card) {
    var player = PLAYERS[card.getAttribute('data-embed-provider')];
    var id = card.getAttribute('data-embed-id') || '';
    var start = card.getAttribute('data-embed-start') || '';
    if (!player || !player.valid.test(id) || !/^[0-9]{0,6}$/.test(start)) {
      return;
    }
    var link = card.querySelector('.embed__link');
    var note = document.createElement('p');
    note.className = 'embed__privacy';
    note.textContent = 'Loading plays it from ' + player.name +
      ', which may set cookies and see your address.';
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'embed__load';
    button.textContent = 'Load';
    button.setAttribute('aria-label', 'Load the ' + player.name + ' video');
    button.addEventListener('click', function () {
      var frame = document.createElement('div');
      frame.className = 'embed__frame';
      var iframe = document.createElement('iframe');
      iframe.src = player.src(id, start);
      iframe.title = player.name + ' video';
      iframe.allow = 'autoplay; encrypted-media; fullscreen; picture-in-picture';
      iframe.setAttribute('allowfullscreen', '');
      iframe.referrerPolicy = 'strict-origin-when-cross-origin';
      frame.appendChild(iframe);
      card.insertBefore(frame, card.firstChild);
      card.removeChild(button);
      card.removeChild(note);
      iframe.focus();
    });
    card.insertBefore(note, link ? link.nextSibling : null);
    card.insertBefore(button, note.nextSibling);
  }

  function init() {
    var cards = document.querySelectorAll('.article__body .embed[data-embed-id]');
    for (var i = 0; i < cards.length; i++) {
      enhance(cards[i]);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
