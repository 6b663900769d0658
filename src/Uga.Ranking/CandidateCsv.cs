using System.Globalization;
using System.Text;
using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>
/// Candidates as CSV (one row each, culture-invariant numbers) so reports can show the paper's score next to
/// the others: rank, slide, shown position, size, spacing, score, tissue, jitter, then per measure its features.
/// </summary>
public static class CandidateCsv
{
    private static readonly string[] MeasureColumns = ["sum", "mean", "max", "count_patch_max", "count_slide_max", "count_pool_max"];

    /// <summary>
    /// One row per candidate. x, y, width, height are the shown patch in pixels at spacing_um (the grid's spacing);
    /// when <paramref name="level0"/> is given, level0_x … level0_height repeat the patch in the slide's level-0
    /// pixels (level0_spacing_um µm/px), the coordinates ASAP and QuPath use.
    /// </summary>
    public static string Format(IReadOnlyList<Candidate> candidates, Func<Candidate, (PixelRegion Region, double SpacingUm)>? level0 = null)
    {
        var measures = candidates.SelectMany(c => c.Measures.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
        bool colour = candidates.Any(c => c.Colour is not null);
        var sb = new StringBuilder();
        var header = new List<string> { "rank", "slide", "x", "y", "width", "height", "spacing_um", "score", "tissue_fraction", "jitter_x", "jitter_y" };
        if (level0 is not null) header.InsertRange(7, ["level0_x", "level0_y", "level0_width", "level0_height", "level0_spacing_um"]);
        header.AddRange(measures.SelectMany(m => MeasureColumns.Select(col => $"{m}_{col}")));
        if (colour) header.AddRange(["mean_r", "mean_g", "mean_b"]);
        sb.Append(string.Join(',', header.Select(Quote))).Append('\n');
        foreach (var c in candidates)
        {
            var r = c.ShownRegion;
            var cells = new List<string>
            {
                Num(c.Rank), Quote(c.SlideId), Num(r.X), Num(r.Y), Num(r.Width), Num(r.Height),
                Num(c.SpacingUm), Num(c.Score), Num(c.TissueFraction), Num(c.JitterX), Num(c.JitterY),
            };
            if (level0 is not null)
            {
                var (r0, s0) = level0(c);
                cells.InsertRange(7, [Num(r0.X), Num(r0.Y), Num(r0.Width), Num(r0.Height), Num(s0)]);
            }
            foreach (var m in measures)
            {
                if (c.Measures.TryGetValue(m, out var s))
                    cells.AddRange([Num(s.Sum), Num(s.Mean), Num(s.Max), Num(s.PatchCount), Num(s.SlideCount), Num(s.PoolCount)]);
                else
                    cells.AddRange(MeasureColumns.Select(_ => ""));
            }
            if (colour)
                cells.AddRange(c.Colour is { } col ? [Num(col.R), Num(col.G), Num(col.B)] : ["", "", ""]);
            sb.Append(string.Join(',', cells)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Writes <see cref="Format"/> atomically (temp file + rename).</summary>
    public static void Write(string path, IReadOnlyList<Candidate> candidates, Func<Candidate, (PixelRegion Region, double SpacingUm)>? level0 = null) =>
        AtomicFile.WriteAllText(path, Format(candidates, level0));

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
