using System.Collections.Concurrent;
using Uga.Imaging;
using Uga.Inference.Artifacts;

namespace Uga.Server;

/// <summary>What an overlay shows: the predicted classes or the uncertainty heatmap.</summary>
public enum OverlayKind { Labels, Uncertainty }

/// <summary>The colour scale of an uncertainty overlay.</summary>
public sealed record OverlayLegend(string Measure, float Min, float Max, IReadOnlyList<string> Colours);

/// <summary>
/// Overlay tiles on the slide's Deep Zoom grid, cut from the full-precision prediction artifact: class colours
/// (background transparent) or the uncertainty measure through a colour map (unpredicted pixels transparent).
/// Tiles coarser than a small overview of the artifact are cut from that overview, so a zoomed-out view never
/// decodes the whole artifact per tile.
/// </summary>
public sealed class OverlayTiles
{
    /// <summary>Long side of the overview kept per artifact and kind.</summary>
    public const int OverviewSide = 1024;

    private static readonly IReadOnlyList<string> LegendColours =
        [.. Enumerable.Range(0, 9).Select(i => Heatmap.Colour(Colormap.Viridis, i / 8.0)).Select(c => $"#{c.R:x2}{c.G:x2}{c.B:x2}")];

    // Per artifact and kind: the overview, and (uncertainty) the top of the colour scale, both computed once.
    private readonly ConcurrentDictionary<(string Path, DateTimeOffset Created, OverlayKind Kind), Lazy<Overview>> overviews = new();

    private sealed record Overview(float[] Values, int Width, int Height, int Factor, float Max);

    /// <summary>The measure shown as uncertainty: the ranking's default when stored, else the first.</summary>
    public static string MeasureOf(PredictionArtifact artifact) =>
        artifact.HasMeasure("ensemble-ce") ? "ensemble-ce" : (artifact.Manifest.Measures.Count > 0 ? artifact.Manifest.Measures[0] : null)
            ?? throw new InvalidInputException(artifact.Path, "stores no uncertainty measure");

    public OverlayLegend Legend(PredictionArtifact artifact) =>
        new(MeasureOf(artifact), 0, OverviewOf(artifact, OverlayKind.Uncertainty).Max, LegendColours);

    /// <summary>RGBA PNG of the tile (<paramref name="tile"/> in the pixels of <paramref name="level"/>).</summary>
    public byte[] Render(PredictionArtifact artifact, TileGeometry geometry, int level, PixelRegion tile, OverlayKind kind)
    {
        var m = artifact.Manifest;
        double toArtifact = m.SlideSpacingUm / m.SpacingUm * geometry.Scale(level); // artifact px per tile px
        var (values, ow, oh, factor, max) = OverviewOf(artifact, kind);
        bool coarse = toArtifact >= factor;
        double perTilePx = coarse ? toArtifact / factor : toArtifact;
        int gridW = coarse ? ow : m.Width, gridH = coarse ? oh : m.Height;
        // The artifact pixels under the tile, read once; each tile pixel then takes the one under its centre.
        int x0 = (int)Math.Floor(tile.X * perTilePx), y0 = (int)Math.Floor(tile.Y * perTilePx);
        int x1 = Math.Min(gridW, (int)Math.Ceiling(tile.Right * perTilePx)), y1 = Math.Min(gridH, (int)Math.Ceiling(tile.Bottom * perTilePx));
        var rgba = new byte[tile.Width * tile.Height * 4];
        if (x0 >= x1 || y0 >= y1) return SlideTiles.Png(rgba, tile.Width, tile.Height);
        var region = new PixelRegion(x0, y0, x1 - x0, y1 - y0);
        float[] window = coarse ? Crop(values, ow, region) : Read(artifact, kind, region);
        for (int y = 0; y < tile.Height; y++)
        {
            int sy = (int)((tile.Y + y + 0.5) * perTilePx) - y0;
            if (sy < 0 || sy >= region.Height) continue;
            for (int x = 0; x < tile.Width; x++)
            {
                int sx = (int)((tile.X + x + 0.5) * perTilePx) - x0;
                if (sx < 0 || sx >= region.Width) continue;
                Paint(rgba, ((y * tile.Width) + x) * 4, window[(sy * region.Width) + sx], kind, max);
            }
        }
        return SlideTiles.Png(rgba, tile.Width, tile.Height);
    }

    private static void Paint(byte[] rgba, int at, float value, OverlayKind kind, float max)
    {
        if (kind == OverlayKind.Labels)
        {
            int label = (int)value;
            if (label <= 0 || label == LabelMap.Ignore) return;
            var colour = ClassColour(label);
            (rgba[at], rgba[at + 1], rgba[at + 2], rgba[at + 3]) = (colour.R, colour.G, colour.B, 255);
            return;
        }
        if (!(value > 0)) return; // 0 is the fill value: not predicted (no tissue)
        var c = Heatmap.Colour(Colormap.Viridis, Math.Clamp(value / max, 0, 1));
        (rgba[at], rgba[at + 1], rgba[at + 2], rgba[at + 3]) = (c.R, c.G, c.B, 255);
    }

    /// <summary>The colour of class <paramref name="label"/> (the one the exports and reports use).</summary>
    public static (byte R, byte G, byte B) ClassColour(int label)
    {
        var colours = Heatmap.DefaultClassColours;
        return colours[label < colours.Count ? label : 1 + ((label - 1) % (colours.Count - 1))] ?? ((byte)128, (byte)128, (byte)128);
    }

    private static float[] Read(PredictionArtifact artifact, OverlayKind kind, PixelRegion region) => kind == OverlayKind.Labels
        ? Array.ConvertAll(artifact.ReadLabels(region).Data, b => (float)b)
        : artifact.ReadMeasure(MeasureOf(artifact), region).Data;

    private static float[] Crop(float[] values, int width, PixelRegion r)
    {
        var result = new float[r.Width * r.Height];
        for (int y = 0; y < r.Height; y++) Array.Copy(values, ((r.Y + y) * width) + r.X, result, y * r.Width, r.Width);
        return result;
    }

    // Labels are subsampled (a class is never averaged into another); uncertainty is mean-pooled.
    private Overview OverviewOf(PredictionArtifact artifact, OverlayKind kind) =>
        overviews.GetOrAdd((artifact.Path, artifact.Manifest.CreatedAt, kind), _ => new(() =>
        {
            var m = artifact.Manifest;
            int factor = Math.Max(1, (int)Math.Ceiling(Math.Max(m.Width, m.Height) / (double)OverviewSide));
            if (kind == OverlayKind.Uncertainty)
            {
                var (map, spacing) = artifact.ReadMeasure(MeasureOf(artifact), (long)OverviewSide * OverviewSide);
                float top = map.Data.Length == 0 ? 0 : map.Data.Max();
                return new Overview(map.Data, map.Width, map.Height, (int)Math.Round(spacing / m.SpacingUm), top > 0 ? top : 1);
            }
            int w = (m.Width + factor - 1) / factor, h = (m.Height + factor - 1) / factor;
            var values = new float[w * h];
            const int Band = 256; // rows decoded at once: every chunk is read once, memory stays a strip
            for (int top = 0; top < m.Height; top += Band)
            {
                var band = artifact.ReadLabels(new PixelRegion(0, top, m.Width, Math.Min(Band, m.Height - top)));
                for (int oy = (top + factor - 1) / factor; oy * factor < top + band.Height && oy < h; oy++)
                    for (int ox = 0; ox < w; ox++) values[(oy * w) + ox] = band.Data[((oy * factor) - top) * m.Width + (ox * factor)];
            }
            return new Overview(values, w, h, factor, 0);
        })).Value;
}
