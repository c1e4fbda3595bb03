#!/usr/bin/env bash
# Installs PyTorch for `tessera bench train --vs-torch` (bench/torch_train.py) from Debian packages, when
# /usr/bin/python3 cannot import torch yet: python3-torch, python3-torchvision, and libopenblas0-pthread (the BLAS
# the comparison runs with, at OPENBLAS_NUM_THREADS=1). Idempotent and quiet when already done; run as root.
set -euo pipefail
python=/usr/bin/python3
if [ -x "$python" ] && "$python" -c "import torch" >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-torch: /usr/bin/python3 cannot import torch; run this script as root to install python3-torch" >&2
  exit 1
fi
echo "setup-torch: installing python3-torch, python3-torchvision and libopenblas0-pthread from Debian packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3-torch python3-torchvision libopenblas0-pthread >/dev/null
"$python" -c "import torch; print('setup-torch: torch', torch.__version__)" >&2
