using System.Globalization;
using System.Net;
using System.Text;
using Uga.Imaging;
using Uga.Ranking;

namespace Uga.Experiments.Simulation;

/// <summary>
/// Writes a simulation's results.csv, report.md and report.html (the same tables) and the Dice-vs-K plot.
/// Every number in the report is recomputable from results.csv.
/// </summary>
public static class SimulationReport
{
    public const string PlotName = "dice-vs-k";

    public static void Write(SimulationResult result, string outDir)
    {
        Directory.CreateDirectory(outDir);
        SimulationCsv.Write(result, Path.Combine(outDir, "results.csv"));
        var summary = SimulationSummary.Summarise(result);
        SimulationPlot.Write(summary, result, Path.Combine(outDir, PlotName + ".png"), Path.Combine(outDir, PlotName + ".svg"));
        var sections = Sections(result, summary);
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), Markdown(sections));
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.html"), Html(sections));
        File.Delete(Path.Combine(outDir, SimulationRunner.PartialResultsFile));
    }

    // Bullets: the text lines are list items (settings, warnings) rather than paragraphs.
    private sealed record Section(string Title, IReadOnlyList<string> Text, IReadOnlyList<string>? Header = null, IReadOnlyList<string[]>? Rows = null,
        string? Image = null, bool Bullets = false);

    private static List<Section> Sections(SimulationResult r, IReadOnlyList<ArmSummary> summary)
    {
        var o = r.Options;
        var classes = r.ClassNames.Skip(1).ToList();
        var settings = new List<string>
        {
            $"Command: `{o.CommandLine ?? "(library call)"}`",
            $"Preset **{o.Preset}**. Source: {o.SourceDir} {Where(o.SourceWhere)} ({r.SourceImages} images). Target: {o.TargetDir} {Where(o.TargetWhere)} ({r.TargetItems} items, grouped by {o.GroupBy ?? (SimulationData.IsDataset(o.TargetDir) ? "case" : "slide")}).",
            $"Target class share of labelled pixels: {string.Join(", ", r.ClassNames.Select((n, i) => $"{n} {r.TargetClassFractions[i]:P1}"))}.",
            $"{o.Folds} folds × seeds {string.Join(",", o.Seeds)} = {o.Folds * o.Seeds.Count} replicates. K counted **{r.KModeName}**" +
                $"{(r.KMode == KMode.PerSlide ? " (K patches from every pool slide, as the paper's script: K × slides in total)" : " (K patches from the whole pool)")}; jitter {o.Jitter:0.##} of a patch.",
            $"Model: {o.Members} U-Nets (depth {o.Architecture.Depth}, {o.Architecture.BaseChannels} base channels), {o.SpacingUm} µm/px, patch {o.PatchSize} px, {o.Steps} steps (batch {o.BatchSize}, lr {o.LearningRate}); " +
                $"every arm and the control fine-tuned on source + patches with the workspace's recipe ({o.Recipe.Describe()}); stain augmentation {(o.StainAugmentation ? "on" : "off")}.",
            $"Candidates: {o.PatchSize}-px grid, stride {o.Stride} px, ≥ {o.MinTissueFraction:P0} tissue; chosen patches ≥ {o.MinDistance:0.#} µm apart; measure {o.Measure}.",
            $"Folds: {string.Join("; ", r.Folds.Select(f => $"fold {f.Fold}: pool {f.PoolItems} items / {f.Candidates} candidates, evaluation {f.EvaluationItems} items ({string.Join(" ", f.EvaluationGroups.Take(12))}{(f.EvaluationGroups.Count > 12 ? " …" : "")})"))}.",
        };
        var header = new List<string> { "arm", "K", "patches", "mean Dice" };
        header.AddRange(classes.Select(c => "Dice " + c));
        header.AddRange(["gain vs control", "gain vs random (wins)", "95 % CI vs random", "baseline Dice on chosen", "error frac. chosen / pool", "worst found", "Spearman", "slides"]);
        var rows = summary.Select(a => (string[])[
            a.Arm, a.K.ToString(CultureInfo.InvariantCulture), a.Patches.ToString("0.#", CultureInfo.InvariantCulture), S(a.Dice),
            .. classes.Select((_, i) => S(a.ClassDice[i + 1])),
            S(a.GainOverControl, sign: true),
            a.GainOverRandom.N == 0 ? "" : $"{S(a.GainOverRandom, sign: true)} ({a.WinsOverRandom}/{a.GainOverRandom.N})",
            double.IsFinite(a.GainOverRandomCi.Lo) ? $"[{a.GainOverRandomCi.Lo.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture)}, {a.GainOverRandomCi.Hi.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture)}]" : "",
            S(a.BaselineDiceOnChosen),
            a.ChosenErrorFraction.N == 0 ? "" : $"{F(a.ChosenErrorFraction.Mean)} / {F(a.PoolErrorFraction.Mean)}",
            S(a.WorstFound), S(a.Spearman), a.Slides.N == 0 ? "" : a.Slides.Mean.ToString("0.#", CultureInfo.InvariantCulture),
        ]).ToList();
        settings.Add(Convergence(summary));
        var stages = r.Stages.Select(s => (string[])[s.Name, s.Runs.ToString(CultureInfo.InvariantCulture), Seconds(s.WallSeconds), Seconds(s.CpuSeconds)]).ToList();
        stages.Add(["total", "", Seconds(r.TotalSeconds), Seconds(r.Stages.Sum(s => s.CpuSeconds))]);
        return
        [
            new("Settings", settings, Bullets: true),
            new("Dice on the evaluation items (mean ± sd over replicates)",
                ["Dice pooled over each fold's evaluation items, mean of the foreground classes. Gains are paired per replicate (same seed and fold). " +
                 "'Baseline Dice on chosen': the baseline inside the chosen patches (low = the patches are where it was wrong); " +
                 "'worst found': share of the pool's N worst patches (N = patches chosen) that were chosen."],
                header, rows),
            new("Dice against K", ["K = 0 is the control: the same fine-tuning without patches. Bars: ± 1 sd over replicates; dashed: the baseline."], Image: PlotName + ".png"),
            new("Time per stage", [$"Wall and process CPU seconds; {o.Threads?.ToString(CultureInfo.InvariantCulture) ?? "default"} torch thread(s)."], ["stage", "runs", "wall", "CPU"], stages),
            new("Warnings", r.Warnings.Count == 0 ? ["none"] : [.. r.Warnings.Take(20)], Bullets: true),
        ];
    }

    // The K = 0 control is a source-only fine-tune: if it moves target Dice by more than 0.01 the baseline was not
    // converged (or fine-tuning harms it), and every gain is measured against a moving floor.
    private static string Convergence(IReadOnlyList<ArmSummary> summary)
    {
        var control = summary.FirstOrDefault(a => a.Arm == SimulationRow.ControlArm);
        if (control is null || control.GainOverBaseline.N == 0) return "Convergence check: no control arm.";
        var g = control.GainOverBaseline;
        bool ok = Math.Abs(g.Mean) <= 0.01;
        return string.Create(CultureInfo.InvariantCulture,
            $"Convergence check (source-only fine-tune = the control): control − baseline = {g.Mean:+0.000;-0.000;0.000} ± {g.Sd:0.000} → {(ok ? "converged (|Δ| ≤ 0.01)" : "**not converged** (|Δ| > 0.01): gains are measured against a moving floor")}.");
    }

    private static string Markdown(List<Section> sections)
    {
        var sb = new StringBuilder("# uga simulate report\n");
        foreach (var s in sections)
        {
            sb.Append("\n## ").Append(s.Title).Append("\n\n");
            foreach (var t in s.Text) sb.Append(s.Bullets ? "- " : "").Append(t).Append('\n');
            if (s.Header is not null && s.Rows is not null)
            {
                sb.Append('\n').Append("| ").Append(string.Join(" | ", s.Header)).Append(" |\n");
                sb.Append('|').Append(string.Concat(s.Header.Select(_ => "---|"))).Append('\n');
                foreach (var row in s.Rows) sb.Append("| ").Append(string.Join(" | ", row)).Append(" |\n");
            }
            if (s.Image is not null) sb.Append($"\n![{s.Title}]({s.Image})\n");
        }
        return sb.ToString();
    }

    private static string Html(List<Section> sections)
    {
        static string E(string s) => WebUtility.HtmlEncode(s.Replace("**", "").Replace("`", ""));
        var sb = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>uga simulate report</title><style>")
            .Append("body{font-family:sans-serif;max-width:1200px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px}")
            .Append("</style></head><body><h1>uga simulate report</h1>");
        foreach (var s in sections)
        {
            sb.Append("<h2>").Append(E(s.Title)).Append("</h2>");
            foreach (var t in s.Text) sb.Append("<p>").Append(E(t)).Append("</p>");
            if (s.Header is not null && s.Rows is not null)
            {
                sb.Append("<table><tr>").Append(string.Concat(s.Header.Select(h => $"<th>{E(h)}</th>"))).Append("</tr>");
                foreach (var row in s.Rows) sb.Append("<tr>").Append(string.Concat(row.Select(c => $"<td>{E(c)}</td>"))).Append("</tr>");
                sb.Append("</table>");
            }
            if (s.Image is not null) sb.Append($"<p><img src=\"{E(s.Image)}\" alt=\"{E(s.Title)}\"></p>");
        }
        return sb.Append("</body></html>").ToString();
    }

    private static string Where(IReadOnlyList<Learning.CaseFilter> filters) =>
        filters.Count == 0 ? "" : "where " + string.Join(" and ", filters);

    private static string S(Spread s, bool sign = false)
    {
        if (s.N == 0) return "";
        string mean = s.Mean.ToString(sign ? "+0.000;-0.000;0.000" : "0.000", CultureInfo.InvariantCulture);
        return double.IsFinite(s.Sd) ? $"{mean} ± {s.Sd.ToString("0.000", CultureInfo.InvariantCulture)}" : mean;
    }

    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "";

    private static string Seconds(double v) => double.IsFinite(v) ? v.ToString("0.0", CultureInfo.InvariantCulture) : "";
}
