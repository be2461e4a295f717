/* Drive: a question before a form that deletes, revokes, deactivates or
   hides (its data-confirm, in the page's language).  Without this file
   the server asks on a page of its own; answered here, the form says so
   (confirm=1) and that page is not shown.  Loaded by the templates that
   have such a form. */
(() => {
  'use strict';
  document.addEventListener('submit', (e) => {
    const f = e.target;
    if (!(f instanceof HTMLFormElement) || !f.dataset.confirm) return;
    if (!window.confirm(f.dataset.confirm)) {
      e.preventDefault();
      return;
    }
    const c = document.createElement('input');
    c.type = 'hidden';
    c.name = 'confirm';
    c.value = '1';
    f.appendChild(c);
  });
})();
