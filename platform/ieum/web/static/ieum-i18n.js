// ieumT("한국어 문구"): the text in the page's language (the JSON base.html writes into
// <meta name="ieum-texts"> from ieum/web/js_texts.py); the Korean itself when there is none.
(function () {
  "use strict";
  var texts = null;
  window.ieumT = function (text) {
    if (texts === null) {
      var node = document.querySelector('meta[name="ieum-texts"]');
      try { texts = node ? JSON.parse(node.getAttribute("content")) : {}; } catch (e) { texts = {}; }
    }
    return Object.prototype.hasOwnProperty.call(texts, text) ? texts[text] : text;
  };
})();
