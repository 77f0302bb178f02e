#!/bin/bash
# SPDX-License-Identifier: MIT
# seeds.sh KIND DIR IMULAB GEN_EI: seed corpus for fuzz_import, fuzz_control or fuzz_model.
#   import   one file per kind (byte 0: 0 EI JSON, 1 CSV, 2 info.labels, 3 CSV with a label column)
#   control  request lines of every kind
#   model    model.json files trained here on generated data (their hashes are valid): a dense
#            model and one with a conv front end
set -eu
kind=$1 out=$2 imulab=$3 gen_ei=$4
rm -rf "$out"
mkdir -p "$out"
tmp=$(mktemp -d /tmp/fuzz-seeds.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
case $kind in
import)
    "$gen_ei" "$tmp/g" wave:1 >/dev/null
    { printf '\0'; cat "$tmp"/g/*.json; } >"$out/json"
    { printf '\1'; printf 'timestamp,accX,accY\n0,1,2\n10,3,4\n20,5,6\n'; } >"$out/csv"
    { printf '\2'; printf '{"version":1,"files":[{"path":"wave.good.json","name":"w","category":"training","label":{"type":"label","label":"wave"}}]}'; } >"$out/labels"
    { printf '\2'; printf '{"path":"wave.good.json","category":"split","label":{"type":"multi-label","labels":[{"label":"a","startIndex":0,"endIndex":1}]}}\n'; } >"$out/ndjson"
    { printf '\3'; printf 'timestamp,label,x\n0,a,1\n10,a,2\n20,b,3\n30,b,4\n'; } >"$out/rows"
    ;;
control)
    i=0
    for r in ping status labels "recordings 5" "delete 3" "undelete 3" "record stop" subscribe quit \
             'record start "left swipe" subject="Ann B" category=training' "device rate 100" \
             "device ranges 8 1000" "device gesture wave" "device learn 20" "device learn 1" 'record start "a\u00e9b"'; do
        printf '%s' "$r" >"$out/r$i"
        i=$((i + 1))
    done
    printf 'ping\nstatus\nrecord start x\nrecord stop' >"$out/pipelined"
    ;;
model)
    "$gen_ei" "$tmp/in" wave:3:training idle:3:training wave:1:testing idle:1:testing >/dev/null
    "$imulab" --db "$tmp/db" import "$tmp/in" >/dev/null
    "$imulab" --db "$tmp/db" train --out "$tmp/m" --epochs 2 --hidden 4 --quiet >/dev/null
    cp "$tmp/m/model.json" "$out/model.json"
    # a model with a conv front end (its "conv" object), short windows to stay small
    "$imulab" --db "$tmp/db" train --out "$tmp/mc" --window-ms 200 --stride-ms 100 --conv 2:3:2,3:3 --hidden 0 \
      --epochs 2 --quiet >/dev/null
    cp "$tmp/mc/model.json" "$out/model_conv.json"
    # and one with an anomaly model (model.json "anomaly": centroids, weights, offsets)
    "$imulab" --db "$tmp/db" train --out "$tmp/ma" --epochs 2 --hidden 4 --anomaly gauss --anomaly-k 2 --quiet >/dev/null
    cp "$tmp/ma/model.json" "$out/model-anomaly.json"
    ;;
*)
    echo "seeds.sh: unknown kind $kind" >&2
    exit 2
    ;;
esac
