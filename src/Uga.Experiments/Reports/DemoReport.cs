using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Uga.Experiments.Demo;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;

namespace Uga.Experiments.Reports;

/// <summary>
/// report.html of `uga demo`, with its pictures in report-files/ beside it: the results table and the Dice plot, the
/// pool's uncertainty with the chosen patches numbered, a gallery of those patches, held-out slides before and after,
/// and the exact command, parameters and timings. Every number comes from the run.
/// </summary>
public static class DemoReport
{
    public static void Write(DemoReportInput input, string reportPath, Stopwatch started)
    {
        var root = Path.GetDirectoryName(Path.GetFullPath(reportPath))!;
        var files = Path.Combine(root, "report-files");
        Directory.CreateDirectory(files);
        var o = input.Options;
        var html = new StringBuilder();
        html.Append(Head);
        html.Append("<h1>Uga demo: uncertainty-guided annotation on phantom slides</h1>");
        html.Append(P($"A model trained at centre A ({o.TrainSlides} slides) is deployed at centre B (different stain and scanner{(o.ClearCell ? ", and a clear-cell tumour subtype A never showed" : "")}). " +
            $"Uga predicts {o.PoolSlides} centre-B pool slide(s) with an ensemble of {o.Members}, ranks patches by uncertainty, a simulated pathologist " +
            $"(the reference masks) annotates the top K, the model is fine-tuned, and Dice is measured on {o.EvalSlides} held-out centre-B slide(s)."));

        Results(html, input);
        DemoPlot.Write(input.Arms, Path.Combine(files, "dice-vs-patches.png"), Path.Combine(files, "dice-vs-patches.svg"));
        html.Append("<h2>Dice vs number of annotated patches</h2><img src=\"report-files/dice-vs-patches.png\" alt=\"Dice plot\">");
        html.Append(P("Same fine-tuning budget for every point; K = 0 is the control fine-tuned without patches, so the gain over it is what the annotations bought. SVG: <a href=\"report-files/dice-vs-patches.svg\">dice-vs-patches.svg</a>."));

        Pool(html, input, root);
        Gallery(html, input, files);
        BeforeAfter(html, input, files);
        Parameters(html, input, started);
        html.Append("</body></html>\n");
        AtomicFile.WriteAllText(reportPath, html.ToString());
    }

    private static void Results(StringBuilder html, DemoReportInput input)
    {
        var control = input.Arms.FirstOrDefault(a => a.Strategy is null && a.FineTuneSteps > 0);
        html.Append("<h2>Results on held-out centre-B slides</h2><table><tr><th>model</th><th>patches</th>");
        foreach (var c in input.ClassNames) html.Append($"<th>Dice {E(c)}</th>");
        html.Append("<th>mean (benign, tumour)</th><th>vs control</th></tr>");
        foreach (var a in input.Arms.Prepend(input.BaselineAtCentreA))
        {
            bool isA = ReferenceEquals(a, input.BaselineAtCentreA);
            html.Append(isA ? "<tr class=\"ref\">" : "<tr>").Append($"<td>{E(a.Name)}{(isA ? " <small>(same tissue, centre-A stain)</small>" : "")}</td><td>{a.K}</td>");
            foreach (var d in a.Dice) html.Append($"<td>{F(d)}</td>");
            var delta = control is null || isA || a.FineTuneSteps == 0 || ReferenceEquals(a, control) ? "" : Signed(a.MeanDice - control.MeanDice);
            html.Append($"<td><b>{F(a.MeanDice)}</b></td><td>{delta}</td></tr>");
        }
        html.Append("</table>");
        html.Append(P("Dice pooled over all held-out pixels (TP, FP, FN summed before dividing), as <code>uga evaluate</code> reports it. " +
            "Predicted label maps of every model: <code>eval/</code>; references: <code>data/eval-B/masks/</code>."));
    }

    private static void Pool(StringBuilder html, DemoReportInput input, string root)
    {
        var headline = input.Queues[0];
        html.Append($"<h2>Where the model is unsure: pool slides, {E(headline.Strategy)} choices numbered</h2><div class=\"row\">");
        foreach (var slide in input.Data.PoolSlides)
        {
            var preview = Path.Combine(input.HeadlineRankDir, Path.GetFileNameWithoutExtension(slide) + ".preview.png");
            if (!File.Exists(preview)) continue;
            html.Append($"<figure><img src=\"{E(Path.GetRelativePath(root, preview))}\" alt=\"uncertainty\"><figcaption>{E(Path.GetFileName(slide))}: ensemble uncertainty over the slide, chosen patches outlined in rank order</figcaption></figure>");
        }
        html.Append("</div>");
        html.Append(P($"The annotation queue as a pathologist would receive it (ASAP XML, QuPath GeoJSON, candidates.csv) is in <code>{E(Path.GetRelativePath(root, input.HeadlineRankDir))}/</code>."));
    }

    private static void Gallery(StringBuilder html, DemoReportInput input, string files)
    {
        var headline = input.Queues[0];
        var samples = input.Annotated[headline.Strategy];
        var o = input.Options;
        html.Append($"<h2>The {headline.Chosen.Count} patches {E(headline.Strategy)} asked the pathologist to annotate</h2>");
        html.Append(P("Each row: the patch, the pathologist's (reference) annotation, the baseline's prediction, the baseline's uncertainty (ensemble cross-entropy, same colour scale as the slide heatmap; brighter = less sure). " + LegendHtml(input.ClassNames)));
        var maps = new Dictionary<string, FloatMap>(StringComparer.Ordinal);
        var poolByStem = input.Data.PoolSlides.ToDictionary(DemoFigures.PoolStem, StringComparer.Ordinal);
        for (int i = 0; i < headline.Chosen.Count && i < samples.Count; i++)
        {
            var c = headline.Chosen[i];
            if (!maps.TryGetValue(c.SlideId, out var map))
                maps[c.SlideId] = map = DemoFigures.Uncertainty(input.HeadlineRankDir, c.SlideId);
            // Same colour range as the slide's heatmap above (0 to the slide's maximum), so patches compare with the slide.
            var strip = DemoFigures.Patch(c, samples[i].Image, samples[i].Labels, poolByStem[c.SlideId], input.HeadlineRankDir, map, Math.Max(map.Max(), 1e-6f));
            var name = $"patch-{c.Rank:00}.png";
            ImageFile.WritePng(strip, Path.Combine(files, name));
            html.Append($"<figure class=\"patch\"><img src=\"report-files/{name}\" alt=\"patch {c.Rank}\"><figcaption>#{c.Rank} {E(c.SlideId)} at ({c.ShownRegion.X * c.SpacingUm:0}, {c.ShownRegion.Y * c.SpacingUm:0}) µm, score {F(c.Score)}{(o.Ks.Contains(c.Rank) ? $"; last patch of K = {c.Rank}" : "")}</figcaption></figure>");
        }
    }

    private static void BeforeAfter(StringBuilder html, DemoReportInput input, string files)
    {
        var o = input.Options;
        int k = o.Ks.Max();
        var columns = new List<string> { "baseline", $"{o.Strategies[0]} K={k}", $"{o.Baseline} K={k}" };
        columns = columns.Where(input.EvalPredictions.ContainsKey).ToList();
        html.Append($"<h2>Held-out centre-B slides before and after</h2>");
        html.Append(P($"Left to right: the slide, the reference, then {string.Join(", ", columns.Select(E))}. " + LegendHtml(input.ClassNames)));
        var cases = SegmentationDataset.ListCases(input.Data.EvalDir, new DatasetOptions());
        foreach (var c in cases)
        {
            var (image, reference) = SegmentationDataset.ReadCase(c, input.ClassNames.Count);
            var strip = DemoFigures.BeforeAfter(image, reference, columns.Select(n => input.EvalPredictions[n][c.Stem]));
            var name = $"eval-{c.Stem}.png";
            ImageFile.WritePng(strip, Path.Combine(files, name));
            html.Append($"<figure class=\"wide\"><img src=\"report-files/{name}\" alt=\"{E(c.Stem)}\"><figcaption>{E(c.Stem)}</figcaption></figure>");
        }
    }

    private static void Parameters(StringBuilder html, DemoReportInput input, Stopwatch started)
    {
        var o = input.Options;
        html.Append("<h2>How this was made</h2>");
        html.Append($"<pre>{E(o.CommandLine ?? "(library call)")}</pre><table>");
        void Row(string k, string v) => html.Append($"<tr><td>{E(k)}</td><td>{E(v)}</td></tr>");
        Row("seed", I($"{o.Seed}"));
        Row("slides (px at µm/px)", I($"train A {o.TrainSlides}×{o.TrainSize}², pool B {o.PoolSlides}×{o.PoolSize}², eval B {o.EvalSlides}×{o.EvalSize}² at {o.SpacingUm}"));
        Row("ensemble", I($"{o.Members} U-Nets, depth {o.Architecture.Depth}, {o.Architecture.BaseChannels} base channels, patch {o.PatchSize}, batch {o.BatchSize}; stain augmentation {(o.StainAugmentation ? "on" : "off")}"));
        Row("training", I($"{o.Steps} steps/member, lr {o.LearningRate}; fine-tuning from the baseline on centre-A data + K patches with the workspace's recipe ({o.Recipe.Describe()})"));
        Row("ranking", I($"strategies {string.Join(", ", o.AllStrategies)}; candidate {o.PatchSize} px; at most {o.EffectiveMaxPerSlide} per slide; K ∈ {{{string.Join(", ", o.Ks)}}}"));
        Row("threads", I($"{o.Threads?.ToString(CultureInfo.InvariantCulture) ?? "all"} (machine has {Environment.ProcessorCount} cores)"));
        html.Append("</table><h3>Timings</h3><table><tr><th>stage</th><th>wall s</th><th>CPU s</th></tr>");
        foreach (var s in input.Stages) html.Append(I($"<tr><td>{E(s.Name)}</td><td>{s.WallSeconds:0.0}</td><td>{s.CpuSeconds:0.0}</td></tr>"));
        html.Append(I($"<tr><td>write report</td><td>{started.Elapsed.TotalSeconds:0.0}</td><td></td></tr></table>"));
        html.Append(P(I($"Written {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.")));
    }

    private static string LegendHtml(IReadOnlyList<string> classNames) =>
        string.Concat(DemoFigures.Legend(classNames).Select(l => $"<span class=\"sw\" style=\"background:{l.Css}\"></span>{E(l.Name)} "));

    private const string Head = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Uga demo report</title><style>" +
        "body{font-family:system-ui,sans-serif;max-width:1300px;margin:1.5em auto;padding:0 1em;color:#222}" +
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child{text-align:left}" +
        "tr.ref{color:#666}img{max-width:100%;border:1px solid #ddd}.row{display:flex;gap:1em;flex-wrap:wrap}.row figure{flex:1 1 45%}" +
        "figure{margin:.6em 0}figcaption{font-size:.85em;color:#555}.patch img{width:660px;image-rendering:pixelated}" +
        ".sw{display:inline-block;width:.9em;height:.9em;margin:0 .25em 0 .6em;vertical-align:middle;border:1px solid #888}" +
        "pre{background:#f5f5f5;padding:.5em;white-space:pre-wrap}</style></head><body>";

    private static string P(string inner) => $"<p>{inner}</p>";
    private static string E(string s) => WebUtility.HtmlEncode(s);
    private static string F(double v) => double.IsNaN(v) ? "–" : v.ToString("0.000", CultureInfo.InvariantCulture);
    private static string Signed(double v) => v.ToString("+0.000;−0.000;0.000", CultureInfo.InvariantCulture);
    private static string I(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
