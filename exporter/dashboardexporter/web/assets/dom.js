// unitrack dashboard: the DOM helpers every page module uses. Values go in
// with textContent, never as HTML.
'use strict';
window.UnitrackDOM = (function () {
  function $(id) { return document.getElementById(id); }
  // el makes an element with a class and text (text is set as text).
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  // safeClass makes any value usable as a class name.
  function safeClass(s) { return String(s).replace(/[^A-Za-z0-9_-]/g, '_'); }
  return { $: $, el: el, clear: clear, safeClass: safeClass };
})();
