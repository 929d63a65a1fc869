import sys

from sandbox.run import main

sys.exit(main())
