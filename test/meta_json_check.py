#!/usr/bin/python3
"""META.json against the PGXN Meta Spec 1.0.0 (https://pgxn.org/spec/), and
against this repository: the files it names exist, and its version is the
control file's default_version.  Prints TAP; needs no server.

Debian has no PGXN metadata validator (only pgxnclient, which does not
validate), hence these checks, written from the spec's text.

Usage: meta_json_check.py [PATH/TO/META.json]   (default: the repository's)
"""

import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
META = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', 'META.json')
ROOT = os.path.dirname(os.path.abspath(META))

# Semantic Versioning 1.0.0, as the spec requires: MAJOR.MINOR.PATCH, no
# leading zeros, an optional pre-release tag appended directly and starting
# with a letter (1.0.0beta1).
SEMVER = re.compile(r'^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)([A-Za-z][0-9A-Za-z-]*)?$')
# A prereq version: "0" (any), a version, or a comma-separated range of
# operator-version pairs (">= 15.0.0, < 16.0.0").
RANGE_PART = re.compile(r'^(==|!=|>=|<=|>|<)?\s*(\S+)$')
LICENSES = {
    'agpl_3', 'apache_1_1', 'apache_2_0', 'artistic_1', 'artistic_2', 'bsd',
    'freebsd', 'gfdl_1_2', 'gfdl_1_3', 'gpl_1', 'gpl_2', 'gpl_3', 'lgpl_2_1',
    'lgpl_3_0', 'mit', 'mozilla_1_0', 'mozilla_1_1', 'openssl', 'perl_5',
    'postgresql', 'qpl_1_0', 'ssleay', 'sun', 'zlib', 'open_source',
    'restricted', 'unrestricted', 'unknown',
}
REQUIRED = ['abstract', 'license', 'maintainer', 'meta-spec', 'name', 'provides', 'version']
OPTIONAL = ['description', 'generated_by', 'no_index', 'prereqs', 'release_status',
            'resources', 'tags']
PHASES = {'configure', 'build', 'test', 'runtime', 'develop'}
RELATIONS = {'requires', 'recommends', 'suggests', 'conflicts'}
URI = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:\S+$')

results = []


def check(ok, name, why=''):
    results.append((bool(ok), name, why))


def is_text(v):
    return isinstance(v, str) and v.strip() != ''


def is_prereq_version(v):
    if not isinstance(v, str):
        return False
    if v.strip() == '0':
        return True
    for part in v.split(','):
        m = RANGE_PART.match(part.strip())
        if not m or not SEMVER.match(m.group(2)):
            return False
    return True


def relative_file(path):
    """A path inside the distribution that exists."""
    if not is_text(path) or os.path.isabs(path) or '..' in path.split('/'):
        return False
    return os.path.exists(os.path.join(ROOT, path))


def control_default_version():
    try:
        with open(os.path.join(ROOT, 'swisper_ext.control')) as f:
            for line in f:
                m = re.match(r"^default_version\s*=\s*'([^']*)'", line)
                if m:
                    return m.group(1)
    except OSError:
        pass
    return None


try:
    with open(META, encoding='utf-8') as f:
        meta = json.load(f)
    check(isinstance(meta, dict), 'META.json is a JSON object')
except (OSError, ValueError) as e:
    meta = {}
    check(False, 'META.json is a JSON object', str(e))

for key in REQUIRED:
    check(key in meta, 'required key %s is present' % key)
unknown = [k for k in meta if k not in REQUIRED + OPTIONAL and not k.lower().startswith('x_')]
check(not unknown, 'every other key is one the spec defines or a custom x_ key',
      'unknown: %s' % ', '.join(unknown))

ms = meta.get('meta-spec')
check(isinstance(ms, dict) and ms.get('version') == '1.0.0', 'meta-spec version is 1.0.0')

name = meta.get('name')
check(isinstance(name, str) and len(name) >= 2 and not re.search(r'[/\\\s\x00-\x1f]', name),
      'name has two characters or more and no slash, backslash, space or control character')
check(is_text(meta.get('abstract')), 'abstract is a non-empty string')
check(isinstance(meta.get('version'), str) and SEMVER.match(meta['version']),
      'version is a semantic version', repr(meta.get('version')))

mt = meta.get('maintainer')
check(is_text(mt) or (isinstance(mt, list) and mt and all(is_text(m) for m in mt)),
      'maintainer is a string or a non-empty list of strings')

lic = meta.get('license')
if isinstance(lic, dict):
    lic_ok = bool(lic) and all(is_text(k) and isinstance(v, str) and URI.match(v) for k, v in lic.items())
elif isinstance(lic, list):
    lic_ok = bool(lic) and all(l in LICENSES for l in lic)
else:
    lic_ok = lic in LICENSES
check(lic_ok, 'license is a license name of the spec (or a list of them, or name-URL pairs)', repr(lic))

prov = meta.get('provides')
check(isinstance(prov, dict) and prov, 'provides names at least one extension')
for ext, p in (prov.items() if isinstance(prov, dict) else []):
    check(isinstance(p, dict) and 'file' in p and 'version' in p,
          'provides %s has file and version' % ext)
    if not isinstance(p, dict):
        continue
    check(isinstance(p.get('version'), str) and SEMVER.match(p['version']),
          'provides %s version is a semantic version' % ext, repr(p.get('version')))
    check(relative_file(p.get('file')), 'provides %s file %s exists' % (ext, p.get('file')))
    if 'docfile' in p:
        check(relative_file(p['docfile']), 'provides %s docfile %s exists' % (ext, p['docfile']))
    if 'abstract' in p:
        check(is_text(p['abstract']), 'provides %s abstract is a non-empty string' % ext)

if 'prereqs' in meta:
    pr = meta['prereqs']
    ok = isinstance(pr, dict) and all(
        phase in PHASES and isinstance(rels, dict) and all(
            rel in RELATIONS and isinstance(deps, dict) and all(
                is_text(d) and is_prereq_version(v) for d, v in deps.items())
            for rel, deps in rels.items())
        for phase, rels in pr.items())
    check(ok, 'prereqs: phases, relations and version ranges as the spec defines them')
if 'release_status' in meta:
    check(meta['release_status'] in ('stable', 'testing', 'unstable'),
          'release_status is stable, testing or unstable')
if 'tags' in meta:
    t = meta['tags']
    check(isinstance(t, list) and t and all(is_text(x) and len(x) <= 255 for x in t),
          'tags is a non-empty list of non-empty strings of at most 255 characters')
if 'no_index' in meta:
    ni = meta['no_index']
    check(isinstance(ni, dict) and set(ni) <= {'file', 'directory'} and all(
        isinstance(v, list) and all(relative_file(x) for x in v) for v in ni.values()),
        'no_index lists files and directories that exist')
if 'resources' in meta:
    rs = meta['resources']
    ok = isinstance(rs, dict) and set(rs) <= {'homepage', 'bugtracker', 'repository'}
    if ok and 'homepage' in rs:
        ok = isinstance(rs['homepage'], str) and bool(URI.match(rs['homepage']))
    for k in ('bugtracker', 'repository'):
        if ok and k in rs:
            ok = isinstance(rs[k], dict) and all(
                isinstance(v, str) and (f == 'type' or URI.match(v)) for f, v in rs[k].items())
    check(ok, 'resources: homepage, bugtracker and repository are URIs')
for key in ('description', 'generated_by'):
    if key in meta:
        check(is_text(meta[key]), '%s is a non-empty string' % key)

# This repository's own rules: one version everywhere, the license file
# matches the declared license.
cv = control_default_version()
check(cv is not None and meta.get('version') == cv,
      'version equals swisper_ext.control default_version', '%r vs %r' % (meta.get('version'), cv))
for ext, p in (prov.items() if isinstance(prov, dict) else []):
    if isinstance(p, dict):
        check(p.get('version') == cv, 'provides %s version equals default_version' % ext,
              '%r vs %r' % (p.get('version'), cv))
if lic == 'postgresql':
    try:
        with open(os.path.join(ROOT, 'LICENSE')) as f:
            text = f.read()
    except OSError:
        text = ''
    check(text.startswith('PostgreSQL License') and 'Permission to use, copy, modify, and distribute' in text,
          'LICENSE holds the PostgreSQL License')

for i, (ok, name, why) in enumerate(results, 1):
    print('%s %d - %s' % ('ok' if ok else 'not ok', i, name))
    if not ok and why:
        print('#   %s' % why)
print('1..%d' % len(results))
sys.exit(0 if all(ok for ok, _, _ in results) else 1)
