// Live coverage, progressive enhancement: the page already shows every post
// (a reload shows new ones). Here, while the tab is visible, the feed asks
// its small cached endpoint (`data-live-poll`, `?after=<last post id>`) for
// newer posts every `data-live-seconds`, puts them in place (newest first),
// says so in the feed's polite live region, and stops for good when the
// coverage ends or the story is gone. Posts arrive as the server's own
// sanitised markup, the same partial the page is rendered with.
(function () {
  'use strict';

  var feed = document.querySelector('[data-live-poll]');
  if (!feed || !window.fetch || !window.JSON) {
    return;
  }
  var list = feed.querySelector('.live-feed__posts');
  var status = feed.querySelector('.live-feed__status');
  var url = feed.getAttribute('data-live-poll');
  var after = parseInt(feed.getAttribute('data-live-after'), 10) || 0;
  var seconds = Math.max(1, parseInt(feed.getAttribute('data-live-seconds'), 10) || 30);
  var timer = null;
  var busy = false;
  var stopped = false;

  function timeOf(item) {
    var t = item.querySelector('time[datetime]');
    return t ? Date.parse(t.getAttribute('datetime')) : 0;
  }

  // A post goes before the first one posted earlier than it, so a post
  // given an earlier time still lands where a reload would show it.
  function insert(post) {
    if (document.getElementById('post-' + post.id)) {
      return false;
    }
    var template = document.createElement('template');
    template.innerHTML = post.html.trim();
    var item = template.content.firstElementChild;
    if (!item) {
      return false;
    }
    item.classList.add('live-post--new');
    var at = timeOf(item);
    var before = null;
    for (var i = 0; i < list.children.length; i++) {
      if (timeOf(list.children[i]) <= at) {
        before = list.children[i];
        break;
      }
    }
    list.insertBefore(item, before);
    return true;
  }

  function announce(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function updateCount() {
    var count = feed.querySelector('.live-feed__count');
    var n = list.children.length;
    if (count) {
      count.textContent = n === 1 ? '1 update' : n + ' updates';
    }
    var empty = feed.querySelector('.live-feed__empty');
    if (empty && n > 0) {
      empty.parentNode.removeChild(empty);
    }
  }

  function stop() {
    stopped = true;
    clearTimeout(timer);
    feed.removeAttribute('data-live-poll');
  }

  function ended() {
    stop();
    feed.classList.remove('live-feed--running');
    var badge = document.querySelector('.article__header .live-badge');
    if (badge) {
      badge.parentNode.removeChild(badge);
    }
    announce('Live coverage has ended.');
  }

  function schedule() {
    clearTimeout(timer);
    if (!stopped && !document.hidden) {
      timer = setTimeout(poll, seconds * 1000);
    }
  }

  function poll() {
    if (busy || stopped) {
      return;
    }
    busy = true;
    fetch(url + '?after=' + after, {
      headers: { Accept: 'application/json' },
      credentials: 'omit'
    })
      .then(function (response) {
        if (response.status === 404 || response.status === 410) {
          stop();
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) {
          return;
        }
        var added = 0;
        // Oldest first, so each lands above the ones before it.
        for (var i = data.posts.length - 1; i >= 0; i--) {
          if (insert(data.posts[i])) {
            added++;
          }
        }
        if (data.last_id > after) {
          after = data.last_id;
        }
        if (added > 0) {
          updateCount();
          announce(added === 1 ? '1 new update' : added + ' new updates');
        }
        if (!data.live) {
          ended();
        }
      })
      .catch(function () {
        // Offline or a hiccup: the next round tries again.
      })
      .then(function () {
        busy = false;
        schedule();
      });
  }

  document.addEventListener('visibilitychange', function () {
    if (document.hidden) {
      clearTimeout(timer);
    } else if (!stopped) {
      poll();
    }
  });
  schedule();
})();
