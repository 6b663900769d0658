using System.CommandLine;
using System.Globalization;
using Uga.Inference;
using Uga.Learning;
using Uga.Loop.Workspace;

namespace Uga.Cli.Commands;

/// <summary>`uga workspace …`: the folder that holds a human-in-the-loop run (model versions, rounds, annotations).</summary>
internal static class WorkspaceCommand
{
    public static Command Create()
    {
        var command = new Command("workspace", "Create and inspect a human-in-the-loop workspace (model versions, annotation rounds, lineage)");
        Command[] subcommands = [Init(), AddSlides(), Round(), Status()];
        foreach (var sub in subcommands) command.Subcommands.Add(sub);
        return command;
    }

    internal static Option<string> WorkspaceOption() =>
        new("--workspace") { Description = "Workspace folder (holds workspace.db; a round-1 workspace.json is migrated on first use)", Required = true };

    private static Command Init()
    {
        var workspace = WorkspaceOption();
        var model = new Option<string>("--model") { Description = "Trained model folder; copied into the workspace as v1", Required = true };
        var data = new Option<string>("--data") { Description = "Source dataset folder the model was trained on (every fine-tuning uses it again)", Required = true };
        var where = new Option<string[]>("--where") { Description = "Keep cases whose cases.csv column has this value, as column=value (repeatable)" };
        var dataSpacing = new Option<double?>("--data-spacing") { Description = "µm/px of the dataset images (default: the spacing_um column of cases.csv)" };
        var command = new Command("init", "Create a workspace from a model and its training data") { workspace, model, data, where, dataSpacing };
        command.SetAction(parse =>
        {
            var filters = parse.GetValue(where) ?? [];
            foreach (var f in filters) CaseFilter.Parse(f); // bad syntax fails before anything is written
            using var ws = LoopWorkspace.Init(parse.GetValue(workspace)!, parse.GetValue(model)!,
                new SourceData(parse.GetValue(data)!, filters, parse.GetValue(dataSpacing)));
            Console.WriteLine($"created workspace {ws.Root} with model v1 ({ws.PathOf(ws.Manifest.Current.Folder)})");
            return 0;
        });
        return command;
    }

    private static Command AddSlides()
    {
        var workspace = WorkspaceOption();
        var files = new Argument<string[]>("FILE") { Description = "Slide files to register (any format Uga reads)", Arity = ArgumentArity.OneOrMore };
        var spacing = new Option<double?>("--spacing") { Description = "µm/px of the slides' full resolution, for files that do not say" };
        var command = new Command("add-slides", "Register slides in the workspace; `uga rank --workspace` without --slide ranks them") { workspace, files, spacing };
        command.SetAction(parse =>
        {
            using var ws = LoopWorkspace.Open(parse.GetValue(workspace)!);
            foreach (var s in SlideCatalogue.Add(ws, parse.GetValue(files)!, parse.GetValue(spacing)))
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"registered {s.Id}: {s.Width}x{s.Height} px at {s.SpacingUm:0.####} µm/px ({s.Path})"));
            return 0;
        });
        return command;
    }

    private static Command Round()
    {
        var workspace = WorkspaceOption();
        var candidates = new Option<string?>("--candidates") { Description = "candidates.csv written by `uga rank` with the current model (copied into the round)" };
        var command = new Command("round", "Open a new annotation round ranked by the current model") { workspace, candidates };
        command.SetAction(parse =>
        {
            using var ws = LoopWorkspace.Open(parse.GetValue(workspace)!);
            var round = ws.AddRound(parse.GetValue(candidates));
            Console.WriteLine($"opened round {round.Id} (ranked by {round.RankedBy}){(round.CandidatesFile is null ? "" : $", candidates {ws.PathOf(round.CandidatesFile)}")}");
            return 0;
        });
        return command;
    }

    private static Command Status()
    {
        var workspace = WorkspaceOption();
        var command = new Command("status", "Print model versions, rounds and lineage") { workspace };
        command.SetAction(parse =>
        {
            using var ws = LoopWorkspace.Open(parse.GetValue(workspace)!);
            foreach (var line in Describe(ws)) Console.WriteLine(line);
            return 0;
        });
        return command;
    }

    internal static IEnumerable<string> Describe(LoopWorkspace ws)
    {
        var m = ws.Manifest;
        var inv = CultureInfo.InvariantCulture;
        yield return $"workspace {ws.Root}";
        var where = m.Source.Where.Count == 0 ? "" : $" where {string.Join(" and ", m.Source.Where)}";
        var spacing = m.Source.DataSpacingUm is { } s ? string.Create(inv, $" at {s:0.###} µm/px") : "";
        yield return $"source data: {m.Source.DataDir}{where}{spacing}";
        var slides = ws.Store.Slides();
        yield return slides.Count == 0 ? "slides: none registered (uga workspace add-slides)" : $"slides: {string.Join(", ", slides.Select(s => s.Id))}";
        yield return "model versions:";
        foreach (var v in m.Versions)
        {
            var parent = v.Parent is null ? "" : $" from {v.Parent}";
            var rounds = v.TrainedOnRounds.Count == 0 ? "" : $" on rounds {string.Join(", ", v.TrainedOnRounds)}";
            var detail = v.How == "registered" ? $" ({v.SourceModel})"
                : v.Recipe is { } recipe ? $" ({v.PatchCount} patches; {recipe})"
                : string.Create(inv, $" ({v.Steps} steps, {v.PatchCount} patches x weight {v.PatchWeight:0.##})");
            var current = ReferenceEquals(v, m.Current) ? "  <- current" : "";
            yield return string.Create(inv, $"  {v.Id}  {v.CreatedAt:yyyy-MM-dd HH:mm}Z  {v.How}{parent}{rounds}{detail}{current}");
        }
        yield return m.Rounds.Count == 0 ? "rounds: none yet" : "rounds:";
        foreach (var r in m.Rounds)
        {
            int candidates = ws.Store.Candidates(r.Id).Count, annotations = ws.Store.Annotations(r.Id).Count;
            yield return $"  {r.Id}  ranked by {r.RankedBy}  {(candidates == 0 ? "candidates from annotation files" : $"{candidates} candidates")}, {annotations} annotations";
            foreach (var i in r.Imports)
            {
                var pixels = string.Join(", ", i.PixelsPerClass.Select(p => string.Create(inv, $"{p.Key} {p.Value} px")));
                yield return string.Create(inv, $"    {i.ImportedAt:yyyy-MM-dd HH:mm}Z {Path.GetFileName(i.File)} (sha256 {i.Sha256[..12]}…) on {Path.GetFileName(i.Slide)}: " +
                    $"{i.CandidatePatches} candidate patches, {i.ExtraRegions} extra regions, {i.Polygons} polygons; {pixels}");
            }
        }
        var lineage = new List<string>();
        for (var v = m.Current; v is not null; v = v.Parent is null ? null : m.Versions.FirstOrDefault(x => x.Id == v.Parent))
            lineage.Add(v.TrainedOnRounds.Count == 0 ? v.Id : $"{v.Id} [+{string.Join(",", v.TrainedOnRounds)}]");
        yield return $"lineage: {string.Join(" <- ", lineage)}";
    }
}
