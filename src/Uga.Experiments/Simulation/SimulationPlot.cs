using System.Globalization;
using Uga.Experiments.Reports;

namespace Uga.Experiments.Simulation;

/// <summary>Mean Dice against K per strategy with ± 1 sd bars over replicates; K = 0 is the shared control.</summary>
public static class SimulationPlot
{
    public static void Write(IReadOnlyList<ArmSummary> summary, SimulationResult result, string pngPath, string svgPath, int width = 820, int height = 480)
    {
        var plot = PlotStyle.Create();
        var control = summary.FirstOrDefault(a => a.Arm == SimulationRow.ControlArm);
        var baseline = summary.FirstOrDefault(a => a.Arm == SimulationRow.BaselineArm);
        // One series per arm with patches; an adapt+ arm shares its strategy's colour, dotted, and starts at adapt+control.
        var strategies = summary.Where(a => a.K > 0).GroupBy(a => a.Arm).ToList();
        var colours = summary.Where(a => a.K > 0).Select(a => a.Strategy!).Distinct().ToList();
        var adaptControl = summary.FirstOrDefault(a => a.Arm == SimulationRow.AdaptPrefix + SimulationRow.ControlArm);
        var ks = summary.Select(a => (double)a.K).Distinct().Order().ToArray();
        double step = ks.Length > 1 ? ks.Zip(ks.Skip(1), (a, b) => b - a).Min() : 1;
        var palette = new ScottPlot.Palettes.Category10();
        for (int s = 0; s < strategies.Count; s++)
        {
            // Strategies are nudged sideways so their error bars do not hide each other.
            double nudge = (s - ((strategies.Count - 1) / 2.0)) * step * 0.04;
            var points = strategies[s].OrderBy(a => a.K).ToList();
            bool adapted = strategies[s].Key.StartsWith(SimulationRow.AdaptPrefix, StringComparison.Ordinal);
            if ((adapted ? adaptControl : control) is { } start) points.Insert(0, start);
            var xs = points.Select(p => p.K + nudge).ToArray();
            var ys = points.Select(p => p.Dice.Mean).ToArray();
            var colour = palette.GetColor(colours.IndexOf(strategies[s].First().Strategy!));
            var line = plot.Add.Scatter(xs, ys, colour);
            if (adapted) line.LinePattern = ScottPlot.LinePattern.Dotted;
            line.LegendText = strategies[s].Key;
            line.LineWidth = 2;
            line.MarkerSize = 7;
            var bars = plot.Add.ErrorBar(xs, ys, [.. points.Select(p => double.IsFinite(p.Dice.Sd) ? p.Dice.Sd : 0)]);
            bars.Color = colour;
        }
        if (baseline is not null)
        {
            var h = plot.Add.HorizontalLine(baseline.Dice.Mean);
            h.LinePattern = ScottPlot.LinePattern.Dashed;
            h.Color = ScottPlot.Colors.Gray;
            h.LegendText = "baseline (no fine-tuning)";
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ks, [.. ks.Select(k => k.ToString(CultureInfo.InvariantCulture))]);
        plot.Title($"Mean foreground Dice on evaluation items ({result.Folds.Count} folds × {result.Options.Seeds.Count} seeds)");
        plot.XLabel($"annotated patches K ({result.KModeName}; 0 = control fine-tuned without patches)");
        plot.YLabel("mean Dice");
        // A few arms fit in a corner; a comparison's many arms would cover the K = 10 points, so they go beside the axes.
        if (strategies.Count <= 6)
        {
            plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        }
        else
        {
            plot.ShowLegend(ScottPlot.Edge.Right);
            width += 260;
        }
        PlotStyle.Save(plot, pngPath, svgPath, width, height);
    }
}
