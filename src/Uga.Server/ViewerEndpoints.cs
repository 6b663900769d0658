using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Uga.Imaging;

namespace Uga.Server;

/// <summary>The workspace, its slides as Deep Zoom tiles, and the prediction overlays on the same grid.</summary>
internal static class ViewerEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/workspace", (WorkspaceAccess access, JobRunner jobs) =>
        {
            using var ws = access.Open();
            var classes = QueueService.ClassNames(ws);
            return Results.Json(new
            {
                name = Path.GetFileName(access.Root),
                current = ws.Manifest.Current.Id,
                round = ws.Round(null)?.Id,
                classes = classes.Select((n, i) => new { index = i, name = n, colour = Hex(OverlayTiles.ClassColour(i)) }),
                slides = ws.Store.Slides().Select(s => new
                {
                    s.Id,
                    s.Width,
                    s.Height,
                    s.SpacingUm,
                    maxLevel = new TileGeometry(s.Width, s.Height).MaxLevel,
                    tileSize = TileGeometry.TileSize,
                    hasPrediction = access.Artifact(s.Id) is not null,
                }),
                job = jobs.Current is { } j ? new { j.Id, j.State } : null,
            });
        });
        app.MapGet("/api/slides/{id}.dzi", (string id, WorkspaceAccess access) =>
        {
            var (record, _) = access.Slide(id);
            return Results.Text(new TileGeometry(record.Width, record.Height).Dzi("jpeg"), "application/xml");
        });
        app.MapGet("/api/slides/{id}_files/{level:int}/{tile}", (string id, int level, string tile, WorkspaceAccess access, TileCache cache, HttpContext http) =>
        {
            var (record, slide) = access.Slide(id);
            var geometry = new TileGeometry(record.Width, record.Height);
            var region = Tile(geometry, level, tile, ".jpeg");
            var (bytes, hit) = cache.Get($"s/{id}/{record.ContentHash}/{level}/{tile}", () => SlideTiles.Render(slide, geometry, level, region));
            return Image(http, bytes, hit, "image/jpeg");
        });
        app.MapGet("/api/slides/{id}/overlay/{kind}/{level:int}/{tile}", (string id, string kind, int level, string tile,
            WorkspaceAccess access, OverlayTiles overlays, TileCache cache, HttpContext http) =>
        {
            var k = kind switch
            {
                "labels" => OverlayKind.Labels,
                "uncertainty" => OverlayKind.Uncertainty,
                _ => throw RequestException.BadRequest($"overlay '{kind}' is not labels or uncertainty"),
            };
            var (record, _) = access.Slide(id);
            var artifact = access.Artifact(id) ?? throw new KeyNotFoundException($"slide '{id}' has no prediction yet");
            var geometry = new TileGeometry(record.Width, record.Height);
            var region = Tile(geometry, level, tile, ".png");
            var stamp = artifact.Manifest.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture);
            var (bytes, hit) = cache.Get($"o/{id}/{stamp}/{kind}/{level}/{tile}", () => overlays.Render(artifact, geometry, level, region, k));
            return Image(http, bytes, hit, "image/png");
        });
        app.MapGet("/api/slides/{id}/legend", (string id, WorkspaceAccess access, OverlayTiles overlays) =>
        {
            access.Slide(id);
            var artifact = access.Artifact(id) ?? throw new KeyNotFoundException($"slide '{id}' has no prediction yet");
            return Results.Json(new { legend = overlays.Legend(artifact), predictedBy = artifact.Manifest.CreatedAt });
        });
        app.MapGet("/api/history", (HistoryService history) => Results.Json(history.History()));
    }

    // "{column}_{row}.jpeg" of an existing tile, else 404 (OpenSeadragon asks only for tiles inside the levels).
    private static PixelRegion Tile(TileGeometry geometry, int level, string name, string extension)
    {
        if (!name.EndsWith(extension, StringComparison.Ordinal)) throw new KeyNotFoundException($"tile '{name}' is not COLUMN_ROW{extension}");
        var parts = name[..^extension.Length].Split('_');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int col)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int row))
            throw new KeyNotFoundException($"tile '{name}' is not COLUMN_ROW{extension}");
        return geometry.Tile(level, col, row) ?? throw new KeyNotFoundException($"no tile {col}_{row} at level {level}");
    }

    private static IResult Image(HttpContext http, byte[] bytes, bool hit, string type)
    {
        http.Response.Headers.CacheControl = "private, max-age=60";
        http.Response.Headers["X-Uga-Cache"] = hit ? "hit" : "miss";
        return Results.Bytes(bytes, type);
    }

    private static string Hex((byte R, byte G, byte B) c) => $"#{c.R:x2}{c.G:x2}{c.B:x2}";
}
