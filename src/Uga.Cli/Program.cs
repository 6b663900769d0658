using System.CommandLine;
using Uga.Cli;
using Uga.Cli.Commands;

// The CLI is a thin shell: each command parses options, calls a library, and reports.
// Errors in the user's input become one line on stderr and exit code 2 (see CliRunner).
var root = new RootCommand("Uga: uncertainty-guided, human-in-the-loop segmentation of whole-slide pathology images");
foreach (var command in CommandCatalog.All())
    root.Subcommands.Add(command);
return CliRunner.Run(root, args);
