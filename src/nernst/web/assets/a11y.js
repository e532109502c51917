// nernst explorer: keyboard access and labels for parts that Dash renders without them.
// - the tabs (dcc.Tabs draws plain divs): focusable, role=tab, Enter/Space selects;
// - dropdowns (a button inside the component): named by their visible <label for=...>;
// - the ion table's cells: reachable with Tab, Enter starts editing.
(function () {
  function fix() {
    document.querySelectorAll('#tabs .tab').forEach(function (t) {
      if (!t.hasAttribute('tabindex')) {
        t.setAttribute('tabindex', '0');
        t.setAttribute('role', 'tab');
        t.addEventListener('keydown', function (e) {
          if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); t.click(); }
        });
      }
      var sel = t.classList.contains('tab--selected') ? 'true' : 'false';
      if (t.getAttribute('aria-selected') !== sel) { t.setAttribute('aria-selected', sel); }
    });
    document.querySelectorAll('label[for]').forEach(function (lab) {
      var target = document.getElementById(lab.getAttribute('for'));
      if (!target || target.tagName === 'INPUT') { return; }
      // Dash 4's dropdown is a <button> named by its current value only: name it by the
      // visible label followed by the value, and let Tab reach it
      var ctl = target.tagName === 'BUTTON' ? target : target.querySelector('button, input, [tabindex]');
      if (!ctl) { return; }
      if (!lab.id) { lab.id = lab.getAttribute('for') + '-label'; }
      var value = document.getElementById(lab.getAttribute('for') + '-value');
      var names = lab.id + (value ? ' ' + value.id : '');
      if (ctl.getAttribute('aria-labelledby') !== names) { ctl.setAttribute('aria-labelledby', names); }
      if (ctl.getAttribute('tabindex') === '-1') { ctl.setAttribute('tabindex', '0'); }
    });
    // the table's first cell is the one stop for Tab; inside, the arrows move (dash-table's
    // own keys), Enter selects the focused cell for typing, Tab and Shift+Tab leave the table
    var cells = document.querySelectorAll('#eq-table td.dash-cell');
    cells.forEach(function (td, k) {
      var want = k === 0 ? '0' : '-1';
      if (td.getAttribute('tabindex') !== want && !td.classList.contains('focused')) { td.setAttribute('tabindex', want); }
      if (td.dataset.nernstKeys) { return; }
      td.dataset.nernstKeys = '1';
      td.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' && document.activeElement === td) {
          e.preventDefault();
          e.stopImmediatePropagation();
          td.click();
        }
      }, true);
    });
  }
  // Tab and Shift+Tab always leave the table (an edit in progress is kept: leaving blurs the
  // cell, which commits it), so the keyboard is never trapped there
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Tab') { return; }
    var table = document.getElementById('eq-table');
    if (!table || !table.contains(document.activeElement)) { return; }
    var to = document.getElementById(e.shiftKey ? 'eq-temp' : 'eq-add');
    if (to) { e.preventDefault(); e.stopImmediatePropagation(); to.focus(); }
  }, true);
  var pending = false;
  new MutationObserver(function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fix(); });
  }).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener('DOMContentLoaded', fix);
})();
