from ordercli.cli.root import main

if __name__ == "__main__":  # pragma: no cover
    main()
