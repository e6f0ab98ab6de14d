from reader_bridge.agent.cli import main

raise SystemExit(main())
