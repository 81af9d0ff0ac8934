// The one classic script: says what to do when the page is opened from a file, where browsers
// load neither its module scripts nor its workers and WebAssembly.
if (location.protocol === 'file:') {
  document.addEventListener('DOMContentLoaded', () => {
    const box = document.getElementById('loading');
    box.classList.add('file-warning');
    box.textContent = 'scalecalc cannot run from a file: browsers load neither its WebAssembly nor its workers '
      + 'from file:// addresses. Serve the folder instead — run ./build.sh in the project, or '
      + '"python3 -m http.server -d www 8000" — and open http://127.0.0.1:8000/.';
  });
}
