using System.CommandLine;
using Uga.Cli.Commands;

namespace Uga.Cli;

/// <summary>Every top-level command, in the order `uga --help` lists them: the loop first, then tools. Add new commands here.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All() =>
    [
        DemoCommand.Create(),
        TrainCommand.Create(),
        PredictCommand.Create(),
        EvaluateCommand.Create(),
        TissueCommand.Create(),
        RankCommand.Create(),
        AnnotationsCommand.Create(),
        WorkspaceCommand.Create(),
        FinetuneCommand.Create(),
        AdaptCommand.Create(),
        ExportCommand.Create(),
        ServeCommand.Create(),
        ClusterCommand.Create(),
        SimulateCommand.Create(),
        DataCommand.Create(),
        VersionCommand.Create(),
    ];
}
