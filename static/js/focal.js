// The focal point on an image's edit page (progressive enhancement: without
// JavaScript the editor types the point as two percentages; with it, a click
// on the image fills them in and a marker shows the point).
(function () {
  'use strict';

  var picker = document.querySelector('[data-focal-picker]');
  var x = document.getElementById('focal_x');
  var y = document.getElementById('focal_y');
  if (!picker || !x || !y) {
    return;
  }
  var image = picker.querySelector('img');
  var marker = picker.querySelector('.focal-picker__marker');

  function show() {
    var px = parseFloat(x.value);
    var py = parseFloat(y.value);
    if (isNaN(px) || isNaN(py)) {
      marker.hidden = true;
      return;
    }
    marker.style.left = Math.min(100, Math.max(0, px)) + '%';
    marker.style.top = Math.min(100, Math.max(0, py)) + '%';
    marker.hidden = false;
  }

  picker.classList.add('focal-picker--active');
  image.title = 'Click to choose the focal point';
  image.addEventListener('click', function (event) {
    var box = image.getBoundingClientRect();
    x.value = Math.round(((event.clientX - box.left) / box.width) * 100);
    y.value = Math.round(((event.clientY - box.top) / box.height) * 100);
    show();
  });
  x.addEventListener('input', show);
  y.addEventListener('input', show);
  show();
})();
