using System.CommandLine;
using Uga.Cli.Commands;

namespace Uga.Cli;

/// <summary>Every top-level command, in the order `uga --help` lists them. Add new commands here.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All() =>
    [
        VersionCommand.Create(),
        AnnotationsCommand.Create(),
        DataCommand.Create(),
        TrainCommand.Create(),
        EvaluateCommand.Create(),
        PredictCommand.Create(),
        TissueCommand.Create(),
        RankCommand.Create(),
        DemoCommand.Create(),
    ];
}
