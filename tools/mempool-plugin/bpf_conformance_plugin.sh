#!/bin/sh
# mempool-bpf-conformance-plugin: mempool's VM behind the plugin protocol of
# the BPF conformance runner (bpf_conformance_runner --plugin_path THIS).
# The program comes on standard input as hex bytes (of bytecode, or of an ELF
# object with --elf); the memory, when there is any, as hex in the first
# argument; the runner's options after it, split or in one argument
# (--interpreter: interpret rather than compile; others, --elf included,
# need nothing here). R0 goes to standard output; a refused program exits 1
# with the verifier's messages. It is `mempool-plugin run - --memory`, found
# beside this script (in the build tree and when installed).
#
#   bpf_conformance_runner --test_file_directory tests \
#       --plugin_path /usr/local/bin/mempool-bpf-conformance-plugin [--plugin_options --interpreter]
here=$(dirname "$0")
memory=
mode=
for arg in "$@"; do
  case $arg in
    *--interpreter*) mode=--interpreter ;;
    -* | '') ;;
    *) memory=$arg ;;   # hex digits and spaces: never starts with '-'
  esac
done
exec "$here/mempool-plugin" run - --memory "$memory" $mode
