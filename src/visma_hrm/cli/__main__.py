"""``python -m visma_hrm.cli``: the same as the ``visma-hrm`` script."""

from visma_hrm.cli import main

main()
