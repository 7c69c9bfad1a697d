#!/usr/bin/python3
"""Summary of a `make valgrind` run (scripts/valgrind.sh).

Usage: summarize.py LOGDIR POSTMASTER_LOG FIGURES_FILE EXTENSION_MARKER...

LOGDIR holds one valgrind log per process (--log-file=LOGDIR/%p.log, run with
--error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END and -s).  An error is
the extension's when any line of its report (the stack, and the stacks of
the block it points into) contains one of the EXTENSION_MARKERs: the name
of the library (frames without debug information print the object,
".../swisper_ext.so") and the absolute path of the source tree (frames with
debug information print the source file, --fullpath-after= makes it
absolute).  POSTMASTER_LOG, written with log_line_prefix '%m [%p] %b: ',
names the type of each process that logged something.  FIGURES_FILE gets
one line: processes, errors, suppressed errors, errors with extension frames.

Prints the figures, every error report with an extension frame in full, and
the other errors grouped by kind and first PostgreSQL/libc frame.  Exit
status: 0 when no error has an extension frame, 1 otherwise.
"""

import collections
import glob
import os
import re
import sys

BEGIN = 'VALGRINDERROR-BEGIN'
END = 'VALGRINDERROR-END'
PREFIX = re.compile(r'^==(\d+)== ?')
SUMMARY = re.compile(r'ERROR SUMMARY: (\d+) errors from (\d+) contexts '
                     r'\(suppressed: (\d+) from (\d+)\)')
USED_SUPP = re.compile(r'used_suppression:\s+(\d+) (\S+) (\S+)')
FRAME = re.compile(r'^\s+(?:at|by) 0x[0-9A-F]+: (.*)$')
SIGNAL = re.compile(r'Process terminating with default action of signal (\d+)')


def parse_log(path):
    """The error reports, error counts and used suppressions of one log."""
    reports = []
    current = None
    summary = None
    used = []
    signal = None
    with open(path, errors='replace') as f:
        for raw in f:
            line = PREFIX.sub('', raw.rstrip('\n'))
            if summary is None:
                if line == BEGIN:
                    current = []
                    continue
                if line == END:
                    if current is not None:
                        reports.append(current)
                    current = None
                    continue
                if current is not None:
                    current.append(line)
                    continue
                m = SIGNAL.search(line)
                if m:
                    signal = int(m.group(1))
                m = SUMMARY.search(line)
                if m:
                    summary = tuple(int(x) for x in m.groups())
            else:
                # -s repeats every report after the first summary: skip them
                m = USED_SUPP.search(line)
                if m:
                    used.append((int(m.group(1)), m.group(2)))
    return reports, summary, used, signal


def first_frame(report):
    """The innermost frame that is not a valgrind interceptor."""
    for line in report:
        m = FRAME.match(line)
        if m and 'vgpreload_memcheck' not in m.group(1):
            return m.group(1)
    for line in report:
        m = FRAME.match(line)
        if m:
            return m.group(1)
    return '?'


def process_types(postmaster_log):
    """pid -> backend type, from the postmaster's log."""
    types = {}
    if not os.path.exists(postmaster_log):
        return types
    line_re = re.compile(r'\[(\d+)\] ([^:]+): ')
    with open(postmaster_log, errors='replace') as f:
        for line in f:
            m = line_re.search(line)
            # a client backend logs "connection received" before it knows
            # its type: a later line names it
            if m and (m.group(2) != 'not initialized' or int(m.group(1)) not in types):
                types[int(m.group(1))] = m.group(2)
    return types


def main():
    logdir, postmaster_log, figures = sys.argv[1], sys.argv[2], sys.argv[3]
    markers = sys.argv[4:]
    types = process_types(postmaster_log)

    nprocs = 0
    errors = 0
    contexts = 0
    suppressed = 0
    no_summary = []
    signals = []
    by_type = collections.Counter()
    ext_reports = []
    kinds = collections.Counter()
    used = collections.Counter()

    for path in sorted(glob.glob(os.path.join(logdir, '*.log'))):
        pid = int(os.path.basename(path).split('.')[0])
        reports, summary, used_here, signal = parse_log(path)
        nprocs += 1
        by_type[types.get(pid, 'did not log')] += 1
        if summary is None:
            # the process did not get to valgrind's exit report
            no_summary.append(pid)
            errors += len(reports)
        else:
            errors += summary[0]
            suppressed += summary[2]
        if signal is not None:
            signals.append((pid, signal))
        contexts += len(reports)
        for n, name in used_here:
            used[name] += n
        for r in reports:
            if any(m in line for line in r for m in markers):
                ext_reports.append((pid, types.get(pid, '?'), r))
            else:
                kinds[(r[0] if r else '?', first_frame(r))] += 1

    with open(figures, 'w') as f:
        f.write('%d %d %d %d\n' % (nprocs, errors, suppressed, len(ext_reports)))
    print('== valgrind summary')
    print('processes: %d (%s)' % (nprocs, ', '.join(
        '%s %d' % (t, n) for t, n in sorted(by_type.items(), key=lambda x: (-x[1], x[0])))))
    print('errors: %d, in %d reported contexts (%d more suppressed by the suppression files)'
          % (errors, contexts, suppressed))
    for (kind, frame), n in sorted(kinds.items(), key=lambda x: -x[1]):
        print('  %3d x %s  at %s' % (n, kind, frame))
    for name, n in sorted(used.items(), key=lambda x: -x[1]):
        print('  suppressed %d x %s' % (n, name))
    if no_summary:
        print('processes without valgrind exit report (killed?): %s'
              % ' '.join(str(p) for p in no_summary))
    for pid, sig in signals:
        print('process %d (%s) terminated by signal %d' % (pid, types.get(pid, '?'), sig))
    print('errors with swisper_ext frames: %d' % len(ext_reports))
    for pid, t, r in ext_reports:
        print('--- process %d (%s)' % (pid, t))
        print('\n'.join(r))
    return 1 if ext_reports else 0


if __name__ == '__main__':
    sys.exit(main())
