using System.Globalization;
using System.Text.RegularExpressions;
using Uga.Annotations;
using Uga.Imaging;
using Uga.Loop.Queue;

namespace Uga.Loop.Workspace;

/// <summary>A candidate rectangle in the slide's level-0 pixels.</summary>
public sealed record CandidateRegion(int Rank, string Slide, PixelRegion Level0)
{
    /// <summary>µm/px of those level-0 pixels (candidates.csv's level0_spacing_um); null when the source does not say.</summary>
    public double? Level0SpacingUm { get; init; }

    /// <summary>The stored candidate's id, when it came from the workspace store; 0 otherwise.</summary>
    public long Id { get; init; }
}

/// <summary>
/// Finds the candidate rectangles of a round: the rows of its candidates.csv (level0_* columns written by
/// `uga rank`) and the rectangles named "UGA n" the pathologist's file still carries.
/// </summary>
public static partial class CandidateRegions
{
    [GeneratedRegex(@"^UGA (\d+)$")]
    private static partial Regex RectangleName();

    /// <summary>The rows of a candidates.csv; a file without the level-0 columns is an error.</summary>
    public static IReadOnlyList<CandidateRegion> ReadCsv(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "candidates file not found");
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        if (lines.Length == 0) throw new InvalidInputException(path, "empty candidates file");
        var header = CsvLine.Split(lines[0], path, 1);
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i
            : throw new InvalidInputException(path, $"no column '{name}' (not a `uga rank` candidates.csv?)");
        int rank = Column("rank"), slide = Column("slide"), x = Column("level0_x"), y = Column("level0_y"),
            w = Column("level0_width"), h = Column("level0_height"), spacing = Array.IndexOf(header, "level0_spacing_um");
        var result = new List<CandidateRegion>();
        for (int i = 1; i < lines.Length; i++)
        {
            var cells = CsvLine.Split(lines[i], path, i + 1);
            int Num(int c) => cells.Length > c && double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                ? (int)Math.Round(v) : throw new InvalidInputException(path, $"line {i + 1}: bad number in column {header[c]}");
            double? spacingUm = spacing >= 0 && cells.Length > spacing
                && double.TryParse(cells[spacing], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : null;
            result.Add(new CandidateRegion(Num(rank), cells.Length > slide ? cells[slide] : "", new PixelRegion(Num(x), Num(y), Num(w), Num(h)))
            {
                Level0SpacingUm = spacingUm,
            });
        }
        return result;
    }

    /// <summary>Rectangles named "UGA n" in the set (their envelope, so a slightly edited rectangle still counts).</summary>
    public static IReadOnlyList<CandidateRegion> FromAnnotations(AnnotationSet set, string slide)
    {
        var result = new List<CandidateRegion>();
        foreach (var a in set.Annotations)
        {
            if (!IsCandidateRectangle(a, out int rank)) continue;
            var e = a.Geometry.EnvelopeInternal;
            int x0 = (int)Math.Floor(e.MinX), y0 = (int)Math.Floor(e.MinY);
            result.Add(new CandidateRegion(rank, slide, new PixelRegion(x0, y0, (int)Math.Ceiling(e.MaxX) - x0, (int)Math.Ceiling(e.MaxY) - y0)));
        }
        return result;
    }

    /// <summary>True for the "UGA n" rectangles (or anything classed as a candidate), which are not tissue labels.</summary>
    public static bool IsCandidateRectangle(Annotation a, out int rank)
    {
        rank = 0;
        var m = RectangleName().Match(a.Name.Trim());
        if (m.Success) rank = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Success || string.Equals(a.ClassName, CandidateAnnotations.QuPathClass, StringComparison.OrdinalIgnoreCase)
            || string.Equals(a.ClassName, CandidateAnnotations.AsapGroup, StringComparison.OrdinalIgnoreCase);
    }
}
