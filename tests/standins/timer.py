"""Commit timer of a stand-in (``tests.standins.core``): ``timer.py <state-dir> <token>``.

Sleeps until the pending commit's deadline, then rolls it back unless it was confirmed (or
replaced by another commit) meanwhile. Runs detached from the SSH session that committed.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.standins.core import DeviceState


def main(root: str, token: str) -> None:
    st = DeviceState(root)
    if (Path(root) / "kind").read_text().strip() == "cumulus":  # NVUE also records the revision
        from tests.standins.nvue import NvueState

        st = NvueState(root)
    while True:
        text = st.read("pending.json")
        if not text or json.loads(text)["token"] != token:
            return
        left = json.loads(text)["deadline"] - time.time()
        if left <= 0:
            with st.locked():
                text = st.read("pending.json")
                if text and json.loads(text)["token"] == token:
                    st.roll_back("commit timer expired without confirm")
            return
        time.sleep(min(left, 0.2))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
