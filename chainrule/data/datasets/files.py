"""Finding dataset files on disk, or downloading them once (checked against their checksums).

Search order: the ``root`` given, ``$CHAINRULE_DATA``, ``~/.chainrule/data``, and the folders
Debian's dataset packages install to. Without a network, a missing file raises an error that says
where to put it.
"""
import hashlib
import os
import tempfile

DEBIAN = {"fashion-mnist": "/usr/share/datasets/fashion-mnist"}  # Debian's dataset-fashion-mnist


def search_dirs(name, root=None):
    dirs = []
    if root:
        dirs += [root, os.path.join(root, name)]
    env = os.environ.get("CHAINRULE_DATA")
    if env:
        dirs += [env, os.path.join(env, name)]
    home = os.path.join(os.path.expanduser("~"), ".chainrule", "data")
    dirs += [os.path.join(home, name)]
    if name in DEBIAN:
        dirs.append(DEBIAN[name])
    return dirs


def find_file(name, filename, root=None):
    """The path of filename (or filename without/with .gz) in the search folders, or None."""
    stems = {filename, filename[:-3] if filename.endswith(".gz") else filename + ".gz"}
    for d in search_dirs(name, root):
        for stem in stems:
            path = os.path.join(d, stem)
            if os.path.isfile(path):
                return path
    return None


def md5(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download(url, folder, filename, checksum):
    """Download url into folder/filename atomically; the checksum must match or nothing is kept."""
    import urllib.request   # here: importing it (and http.client) costs ~25 ms of every chainrule import
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=filename + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            for block in iter(lambda: response.read(1 << 20), b""):
                out.write(block)
        got = md5(tmp)
        if checksum and got != checksum:
            raise OSError(f"download of {url}: checksum mismatch (md5 {got}, expected {checksum}); "
                          f"the file was discarded")
        path = os.path.join(folder, filename)
        os.replace(tmp, path)
        return path
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def ensure(name, files, mirrors, root=None, download_missing=False):
    """Paths of every file in ``files`` ({filename: md5}), downloading the missing ones if asked."""
    paths = {}
    for filename, checksum in files.items():
        path = find_file(name, filename, root)
        if path is None and download_missing:
            folder = root or os.environ.get("CHAINRULE_DATA") or search_dirs(name)[-2 if name in DEBIAN else -1]
            errors = []
            for mirror in mirrors:
                try:
                    path = download(mirror + filename, folder, filename, checksum)
                    break
                except OSError as e:
                    errors.append(f"{mirror}{filename}: {e}")
            if path is None:
                raise FileNotFoundError(f"{name}: could not download {filename}:\n  " + "\n  ".join(errors))
        if path is None:
            where = "\n  ".join(search_dirs(name, root))
            raise FileNotFoundError(
                f"{name}: {filename} was not found. Put the standard files "
                f"({', '.join(files)}) in one of:\n  {where}\n"
                f"or set CHAINRULE_DATA to their folder, or pass download=True on a machine with a "
                f"network (mirror: {mirrors[0]})" + (
                    f"; on Debian: apt-get install dataset-{name}" if name in DEBIAN else ""))
        paths[filename] = path
    return paths
