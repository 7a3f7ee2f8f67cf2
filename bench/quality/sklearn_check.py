"""Cross-checks the app's ranking metrics (src/shared/arcd/metrics.ts) with
scikit-learn on one model's test pixels (bench/quality/sklearnCheck.ts writes
them). Prints one JSON line: per class AP and AUROC, and the image AUROC.

Input folder: <class>.f32 (scores, float32), <class>.u8 (0/1 labels) per
class, and image.f32 / image.u8. Debian's python3-sklearn is all it needs.
"""
import json
import os
import sys

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def metrics(scores, labels):
    has_both = 0 < labels.sum() < len(labels)
    return {
        "ap": float(average_precision_score(labels, scores)) if labels.any() else None,
        "auroc": float(roc_auc_score(labels, scores)) if has_both else None,
        "positives": int(labels.sum()),
        "count": int(len(labels)),
    }


def main():
    folder = sys.argv[1]
    names = json.load(open(os.path.join(folder, "classes.json")))
    out = {"classes": {}}
    for name in names + ["image"]:
        s = np.fromfile(os.path.join(folder, f"{name}.f32"), dtype=np.float32)
        y = np.fromfile(os.path.join(folder, f"{name}.u8"), dtype=np.uint8)
        m = metrics(s, y)
        if name == "image":
            out["image"] = m
        else:
            out["classes"][name] = m
    print(json.dumps(out))


if __name__ == "__main__":
    main()
