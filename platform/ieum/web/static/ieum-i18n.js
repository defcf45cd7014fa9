// ieumT("한국어 문구"): the text in the page's language (the JSON base.html writes from
// ieum/web/js_texts.py); the Korean itself when there is no translation.
(function () {
  "use strict";
  var texts = null;
  window.ieumT = function (text) {
    if (texts === null) {
      var node = document.getElementById("ieum-texts");
      try { texts = node ? JSON.parse(node.textContent) : {}; } catch (e) { texts = {}; }
    }
    return Object.prototype.hasOwnProperty.call(texts, text) ? texts[text] : text;
  };
})();
