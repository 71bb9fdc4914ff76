// Never lose typed work on the article form (progressive enhancement: the
// form works the same without JavaScript).
//
// - What is typed is kept in this browser (localStorage) as it is typed,
//   under a key naming the signed-in account and the form.
// - When the form opens and a kept draft differs from what the page shows
//   (the save was refused, the session had expired, the tab was closed), a
//   notice offers to restore it.
// - A save that went through (the next form page shows the text that was
//   submitted) clears the draft.
// - Leaving the page with unsaved changes asks first (beforeunload).
// - Ctrl+S / Cmd+S saves.
// - Signing out clears this account's drafts from the browser.
(function () {
  'use strict';

  var PREFIX = 'broadsheet:draft:';
  var SUBMITTED = 'broadsheet:submitted';
  // Never kept: the session's token, the version the form was opened at,
  // files (cannot be restored) and the button pressed.
  var SKIP = { csrf_token: true, version: true, action: true };
  // What tells a kept draft from the saved article.
  var TEXT_FIELDS = ['headline', 'standfirst', 'body'];

  function storage(kind) {
    try {
      var s = window[kind];
      var probe = PREFIX + 'probe';
      s.setItem(probe, '1');
      s.removeItem(probe);
      return s;
    } catch (e) {
      return null;
    }
  }

  var local = storage('localStorage');
  var session = storage('sessionStorage');

  function signOutClearsDrafts(owner) {
    var forms = document.querySelectorAll('form[action^="/admin/logout"]');
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener('submit', function () {
        if (!local) {
          return;
        }
        for (var i = local.length - 1; i >= 0; i--) {
          var key = local.key(i);
          if (key && key.indexOf(PREFIX + owner + ':') === 0) {
            local.removeItem(key);
          }
        }
      });
    });
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !SKIP[el.name] && el.type !== 'file' && el.type !== 'submit' &&
        el.type !== 'button';
    });
  }

  function read(form) {
    var values = {};
    fields(form).forEach(function (el) {
      if (el.type === 'checkbox' || el.type === 'radio') {
        if (el.checked) {
          values[el.name] = el.value;
        } else if (!(el.name in values)) {
          values[el.name] = '';
        }
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function write(form, values) {
    fields(form).forEach(function (el) {
      if (!(el.name in values)) {
        return;
      }
      if (el.type === 'checkbox' || el.type === 'radio') {
        el.checked = values[el.name] === el.value;
      } else {
        el.value = values[el.name];
      }
    });
  }

  function norm(text) {
    return String(text || '').replace(/\s+/g, ' ').trim();
  }

  function sameText(a, b) {
    return TEXT_FIELDS.every(function (name) {
      return norm(a[name]) === norm(b[name]);
    });
  }

  function sameValues(a, b) {
    var names = Object.keys(a).concat(Object.keys(b));
    return names.every(function (name) {
      return norm(a[name]) === norm(b[name]);
    });
  }

  function load(key) {
    if (!local) {
      return null;
    }
    try {
      return JSON.parse(local.getItem(key) || 'null');
    } catch (e) {
      return null;
    }
  }

  function when(savedAt) {
    try {
      return new Date(savedAt).toLocaleString();
    } catch (e) {
      return '';
    }
  }

  function offer(form, key, draft, onRestore) {
    var notice = document.createElement('div');
    notice.className = 'draft-notice';
    notice.setAttribute('role', 'status');
    var text = document.createElement('p');
    text.textContent = 'This browser kept text typed in this form on ' + when(draft.savedAt) +
      ' that is not saved. Restore it?';
    var restore = document.createElement('button');
    restore.type = 'button';
    restore.className = 'button--primary draft-notice__restore';
    restore.textContent = 'Restore unsaved text';
    var discard = document.createElement('button');
    discard.type = 'button';
    discard.className = 'draft-notice__discard';
    discard.textContent = 'Discard it';
    restore.addEventListener('click', function () {
      write(form, draft.values);
      notice.remove();
      onRestore();
      var first = form.querySelector('#headline');
      if (first) {
        first.focus();
      }
    });
    discard.addEventListener('click', function () {
      local.removeItem(key);
      notice.remove();
    });
    notice.appendChild(text);
    notice.appendChild(restore);
    notice.appendChild(discard);
    form.parentNode.insertBefore(notice, form);
  }

  function enhance(form) {
    var owner = form.getAttribute('data-draft-owner');
    var key = PREFIX + owner + ':' + form.getAttribute('action');
    var refused = !!document.querySelector('.form-summary');
    var initial = read(form);
    var submitting = false;
    var dirty = refused;

    // The save submitted from the previous page went through when this form
    // shows its text (a refused save shows the error summary instead).
    if (session && !refused) {
      try {
        var submitted = JSON.parse(session.getItem(SUBMITTED) || 'null');
        if (submitted && sameText(submitted.values, initial)) {
          if (local) {
            local.removeItem(submitted.key);
          }
          session.removeItem(SUBMITTED);
        }
      } catch (e) {
        session.removeItem(SUBMITTED);
      }
    }

    var draft = load(key);
    if (draft && draft.values) {
      if (sameValues(draft.values, initial)) {
        if (!refused) {
          local.removeItem(key);
        }
      } else {
        offer(form, key, draft, function () {
          dirty = true;
        });
      }
    }

    function keep() {
      dirty = refused || !sameValues(read(form), initial);
      if (!local) {
        return;
      }
      if (dirty) {
        try {
          local.setItem(key, JSON.stringify({ savedAt: Date.now(), values: read(form) }));
        } catch (e) {
          // Storage full or refused: the beforeunload warning still guards the text.
        }
      } else {
        local.removeItem(key);
      }
    }

    form.addEventListener('input', keep);
    form.addEventListener('change', keep);

    form.addEventListener('submit', function (event) {
      submitting = true;
      var button = event.submitter;
      if (button && button.formTarget === '_blank') {
        // A preview opens in a new tab; this page stays, unsaved.
        submitting = false;
        return;
      }
      if (session) {
        session.setItem(SUBMITTED, JSON.stringify({ key: key, values: read(form) }));
      }
      keep();
    });

    window.addEventListener('beforeunload', function (event) {
      if (submitting || !dirty) {
        return undefined;
      }
      event.preventDefault();
      event.returnValue = '';
      return '';
    });

    document.addEventListener('keydown', function (event) {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === 's' || event.key === 'S')) {
        event.preventDefault();
        var save = form.querySelector('button[name="action"][value="save"]');
        if (typeof form.requestSubmit === 'function') {
          form.requestSubmit(save || undefined);
        } else if (save) {
          save.click();
        }
      }
    });
  }

  var form = document.querySelector('form[data-draft-owner]');
  var owner = document.body.getAttribute('data-user');
  if (owner) {
    signOutClearsDrafts(owner);
  }
  if (form) {
    enhance(form);
  }
})();
