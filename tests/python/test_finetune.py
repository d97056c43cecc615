# SPDX-License-Identifier: LGPL-2.1-or-later
"""python/examples/finetune.py: a small decoder-only transformer trained the
ZeRO-offload way with its seven host classes placed by each planning
strategy.  For every strategy the planner can build on this host: the loss
sequence is the same bits as the same training on plain tensors (with the
same optimizer on plain memory), the loss falls, and every residency check
finds each class's bytes per node where the plan put them (to one 4 KiB
unit per node).  Strategies the planner cannot build here must say why;
cxltier's must always run.
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "python", "examples"))

import finetune  # noqa: E402


class Finetune(unittest.TestCase):
    def test_every_strategy(self):
        a = finetune.parse_args(["--strategy", "all", "--steps", "4",
                                 "--check-every", "2", "--json"])
        _backend, _cuda, params, results = finetune.train(a)
        self.assertGreater(params, 10000)
        self.assertEqual([r["strategy"] for r in results],
                         finetune.STRATEGIES)
        ran = [r for r in results if r["ran"]]
        self.assertIn("cxltier", [r["strategy"] for r in ran])
        for r in results:
            with self.subTest(strategy=r["strategy"]):
                if not r["ran"]:
                    self.assertTrue(r["why"])
                    continue
                self.assertEqual(len(r["losses"]), 4)
                self.assertTrue(r["bit_identical"],
                                "%s: %s vs plain %s" % (r["strategy"],
                                                        r["losses"],
                                                        r["reference_losses"]))
                self.assertLess(r["losses"][-1], r["losses"][0])
                self.assertEqual(len(r["checks"]), 2)
                for c in r["checks"]:
                    for k in c["classes"]:
                        self.assertTrue(k["ok"], "step %d, %s: %s" % (
                            c["step"], k["name"], k["detail"]))
                self.assertEqual(len(r["classes"]), 7)
                for k in r["classes"]:
                    self.assertGreaterEqual(k["resident_bytes"],
                                            k["planned_bytes"])


if __name__ == "__main__":
    unittest.main()
