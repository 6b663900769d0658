using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Uga.Imaging;
using Uga.Inference;
using Uga.Loop.Workspace;
using Uga.Phantom;
using Uga.Server;

namespace Uga.Bench;

/// <summary>
/// The workbench under a browser's load, over loopback: a virtual slide (pyramidal TIFF) predicted into a workspace,
/// served by Kestrel in this process; fields of view of a 1920×1080 screen at several zooms, each fetched as a
/// browser does (all its tiles, 6 connections), first cold (tiles rendered) then warm (from the tile cache).
/// Reports tile latency p50/p95 for slide and overlay tiles and the time to fill a field of view, and the memory.
/// </summary>
public sealed class WorkbenchBench : IConsoleBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public string Name => "workbench";
    public string Description => "tile and field-of-view latency of uga serve on a virtual slide: --size 50000 --spacing 0.5 --model-spacing 4 --islands 0.05 --views 12 --connections 6 --seed 1";

    public int Run(string[] args)
    {
        int size = BenchArgs.GetInt(args, "--size", 50000), views = BenchArgs.GetInt(args, "--views", 12), connections = BenchArgs.GetInt(args, "--connections", 6);
        double spacing = double.Parse(BenchArgs.Get(args, "--spacing", "0.5"), Inv), modelSpacing = double.Parse(BenchArgs.Get(args, "--model-spacing", "4"), Inv);
        Console.WriteLine($"# {CpuInfo.Describe()}");
        var dir = Directory.CreateTempSubdirectory("uga-workbench-bench-");
        try
        {
            var ws = Prepare(dir.FullName, size, spacing, modelSpacing, double.Parse(BenchArgs.Get(args, "--islands", "0.05"), Inv));
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            double before = SlidePredictBench.StatusMiB("VmRSS:");
            var options = new WorkbenchOptions { Workspace = ws, Port = 0, Uga = UgaCommand.CurrentProcess() }.Resolve();
            var app = WorkbenchApp.Create(options);
            app.StartAsync().GetAwaiter().GetResult();
            try
            {
                var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                Measure(address.TrimEnd('/'), size, views, connections, BenchArgs.GetInt(args, "--seed", 1));
            }
            finally
            {
                app.StopAsync().GetAwaiter().GetResult();
            }
            Console.WriteLine(string.Create(Inv, $"# memory: {before:0} MiB resident before serving, {SlidePredictBench.StatusMiB("VmRSS:"):0} MiB after, peak {SlidePredictBench.StatusMiB("VmHWM:"):0} MiB (includes preparing the slide)"));
            return 0;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    // A workspace with the virtual slide registered and predicted by a tiny untrained ensemble (the overlay's cost
    // depends on the artifact's size, not on what the model learnt).
    private static string Prepare(string dir, int size, double spacing, double modelSpacing, double islands)
    {
        var watch = Stopwatch.StartNew();
        var slidePath = Path.Combine(dir, "slide.tif");
        RankReuseBench.WriteVirtualSlide(new VirtualSlideSpec(size, size) { SpacingUm = spacing, IslandFraction = islands }, slidePath);
        var data = Path.Combine(dir, "data");
        ImageFile.WritePng(new RgbImage(64, 64), Path.Combine(data, "images", "a.png"));
        ImageFile.WritePng(new LabelMap(64, 64), Path.Combine(data, "masks", "a.png"));
        var model = Path.Combine(dir, "model");
        using (var ensemble = SlidePredictBench.TinyEnsemble(modelSpacing, 64, 2, 2, 4)) ensemble.Save(model);
        var root = Path.Combine(dir, "ws");
        using var ws = LoopWorkspace.Init(root, model, new SourceData(data, [], modelSpacing));
        SlideCatalogue.Add(ws, [slidePath], null);
        WorkspacePredictor.Predict(ws, Shard.All, new SlidePredictionOptions());
        Console.WriteLine(string.Create(Inv, $"# prepared a {size}x{size} px slide at {spacing} µm/px ({new FileInfo(slidePath).Length / 1048576.0:0} MiB) and its prediction at {modelSpacing} µm/px in {watch.Elapsed.TotalSeconds:0} s"));
        return root;
    }

    private static void Measure(string address, int size, int views, int connections, int seed)
    {
        var geometry = new TileGeometry(size, size);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections }) { Timeout = TimeSpan.FromMinutes(2) };
        var random = new Random(seed);
        // Zoom levels a reader uses: whole-slide overview, 1/16, 1/4 and full resolution.
        var levels = new[] { geometry.MaxLevel - 6, geometry.MaxLevel - 4, geometry.MaxLevel - 2, geometry.MaxLevel };
        var fields = Enumerable.Range(0, views).Select(i =>
        {
            int level = levels[i % levels.Length];
            var (w, h) = geometry.LevelSize(level);
            long x = w > 1920 ? (long)(random.NextDouble() * (w - 1920)) : 0, y = h > 1080 ? (long)(random.NextDouble() * (h - 1080)) : 0;
            return (Level: level, Tiles: Tiles(geometry, level, x, y));
        }).ToList();
        Console.WriteLine($"# {views} fields of view of 1920x1080 at levels {string.Join(", ", levels)} of {geometry.MaxLevel}, {connections} connections");
        Console.WriteLine("| pass | tiles | slide tile p50 / p95 (ms) | overlay tile p50 / p95 (ms) | field of view p50 / p95 (ms) |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var pass in new[] { "cold", "warm" })
        {
            var slideTimes = new List<double>();
            var overlayTimes = new List<double>();
            var fieldTimes = new List<double>();
            foreach (var (level, tiles) in fields)
            {
                var urls = tiles.SelectMany(t => new[]
                {
                    (Overlay: false, Url: $"{address}/api/slides/slide_files/{level}/{t.Col}_{t.Row}.jpeg"),
                    (Overlay: true, Url: $"{address}/api/slides/slide/overlay/uncertainty/{level}/{t.Col}_{t.Row}.png"),
                }).ToList();
                var field = Stopwatch.StartNew();
                var timings = Task.WhenAll(urls.Select(async u =>
                {
                    var one = Stopwatch.StartNew();
                    using var response = await http.GetAsync(u.Url);
                    response.EnsureSuccessStatusCode();
                    await response.Content.ReadAsByteArrayAsync();
                    return (u.Overlay, one.Elapsed.TotalMilliseconds);
                })).GetAwaiter().GetResult();
                fieldTimes.Add(field.Elapsed.TotalMilliseconds);
                foreach (var (overlay, ms) in timings) (overlay ? overlayTimes : slideTimes).Add(ms);
            }
            Console.WriteLine(string.Create(Inv, $"| {pass} | {slideTimes.Count} + {overlayTimes.Count} | {P(slideTimes, 50):0} / {P(slideTimes, 95):0} | {P(overlayTimes, 50):0} / {P(overlayTimes, 95):0} | {P(fieldTimes, 50):0} / {P(fieldTimes, 95):0} |"));
        }
    }

    private static List<(int Col, int Row)> Tiles(TileGeometry geometry, int level, long x, long y)
    {
        var tiles = new List<(int, int)>();
        for (long row = y / TileGeometry.TileSize; row <= (y + 1079) / TileGeometry.TileSize; row++)
            for (long col = x / TileGeometry.TileSize; col <= (x + 1919) / TileGeometry.TileSize; col++)
                if (geometry.Tile(level, (int)col, (int)row) is not null) tiles.Add(((int)col, (int)row));
        return tiles;
    }

    private static double P(List<double> values, double percentile)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile / 100 * sorted.Count) - 1)];
    }
}
