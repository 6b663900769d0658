using System.CommandLine;

namespace Uga.Cli.Commands;

/// <summary>`uga data …`: preparing datasets and synthetic slides. Each subcommand lives in its own Data*Command.cs.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var command = new Command("data", "Prepare datasets: pack image folders into slides, make phantom slides, emulate another laboratory");
        // One line per subcommand.
        Command[] subcommands =
        [
            DataMontageCommand.Create(),
            DataPhantomCommand.Create(),
            DataShiftCommand.Create(),
        ];
        foreach (var sub in subcommands) command.Subcommands.Add(sub);
        return command;
    }
}
