import os
import sys
from pathlib import Path

# tests never reach the network: the hub stays offline, whatever the machine allows
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).parent))
