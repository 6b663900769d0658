using Uga.Experiments.Demo;

namespace Uga.Experiments.Reports;

/// <summary>Dice against the number of annotated patches, one line per strategy, drawn with ScottPlot.</summary>
public static class DemoPlot
{
    /// <summary>Writes PNG and SVG versions of the plot; K = 0 is the control (fine-tuned without patches).</summary>
    public static void Write(IReadOnlyList<DemoArm> arms, string pngPath, string svgPath, int width = 720, int height = 420)
    {
        var plot = PlotStyle.Create();
        var control = arms.FirstOrDefault(a => a.Strategy is null && a.K == 0 && a.FineTuneSteps > 0);
        var baseline = arms.FirstOrDefault(a => a.FineTuneSteps == 0);
        var palette = new ScottPlot.Palettes.Category10();
        int colour = 0;
        foreach (var group in arms.Where(a => a.Strategy is not null).GroupBy(a => a.Strategy!))
        {
            var points = group.OrderBy(a => a.K).ToList();
            var xs = new List<double>();
            var ys = new List<double>();
            if (control is not null)
            {
                xs.Add(0);
                ys.Add(control.MeanDice);
            }
            xs.AddRange(points.Select(p => (double)p.K));
            ys.AddRange(points.Select(p => p.MeanDice));
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), palette.GetColor(colour++));
            line.LegendText = group.Key;
            line.LineWidth = 2;
            line.MarkerSize = 8;
        }
        if (baseline is not null)
        {
            var h = plot.Add.HorizontalLine(baseline.MeanDice);
            h.LinePattern = ScottPlot.LinePattern.Dashed;
            h.Color = ScottPlot.Colors.Gray;
            h.LegendText = "baseline (no fine-tuning)";
        }
        if (arms.FirstOrDefault(a => a.Name == Demo.DemoRunner.AdaptArm) is { } adapt)
        {
            var h = plot.Add.HorizontalLine(adapt.MeanDice);
            h.LinePattern = ScottPlot.LinePattern.Dotted;
            h.Color = ScottPlot.Colors.DarkGreen;
            h.LegendText = "adapt: BatchNorm re-estimated, no labels";
        }
        var ks = arms.Select(a => (double)a.K).Append(0).Distinct().Order().ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ks, [.. ks.Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        var dice = arms.Select(a => a.MeanDice).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        plot.Axes.SetLimitsY(Math.Max(0, dice.Min() - 0.05), Math.Min(1.02, dice.Max() + 0.05));
        plot.Title("Held-out centre B: mean Dice (benign, tumour)");
        plot.XLabel("annotated patches K (0 = control: same fine-tuning, no patches)");
        plot.YLabel("mean Dice");
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        PlotStyle.Save(plot, pngPath, svgPath, width, height);
    }
}
