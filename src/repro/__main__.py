import sys

from repro.book.cli import main

sys.exit(main())
