using System.Diagnostics;
using System.IO.Compression;
using Uga.Imaging;
using Uga.Slides.Writing;

namespace Uga.Bench;

/// <summary>
/// Streams a large RGB slide (default 20000×20000) through <see cref="PyramidalTiffWriter"/> one tile row at a
/// time and reports throughput and peak RSS, to show memory stays bounded by the band size, not the image size.
/// Pixels come from real images tiled across the slide (--texture DIR) or from a synthetic tissue pattern.
/// </summary>
public sealed class TiffWriterBench : IConsoleBench
{
    public string Name => "tiff-writer";
    public string Description => "write a large pyramidal TIFF tile row by tile row: --size 20000 --tile 256 --compression optimal|fastest|smallest|none --no-predictor --jpeg --texture DIR --out FILE --keep";

    public int Run(string[] args)
    {
        int size = BenchArgs.GetInt(args, "--size", 20000), tile = BenchArgs.GetInt(args, "--tile", 256);
        var level = BenchArgs.Get(args, "--compression", "optimal") switch
        {
            "fastest" => CompressionLevel.Fastest,
            "smallest" => CompressionLevel.SmallestSize,
            "none" => CompressionLevel.NoCompression,
            _ => CompressionLevel.Optimal,
        };
        var texture = BenchArgs.Get(args, "--texture", "");
        var output = BenchArgs.Get(args, "--out", Path.Combine(Path.GetTempPath(), $"uga-bench-{Environment.ProcessId}.tif"));
        var pixels = texture.Length > 0 ? TexturePixels.FromFolder(texture) : null;

        var total = Stopwatch.StartNew();
        var generating = new Stopwatch();
        using (var writer = PyramidalTiffWriter.Create(output, size, size, PixelKind.Rgb, 0.5, new PyramidalTiffOptions { TileSize = tile, Compression = level, HorizontalPredictor = !args.Contains("--no-predictor"), TileCompression = args.Contains("--jpeg") ? TileCompression.Jpeg : TileCompression.Deflate }))
        {
            var band = new byte[size * tile * 3];
            for (int row = 0; row < writer.TileRows; row++)
            {
                var region = writer.TileRegion(0, row);
                generating.Start();
                if (pixels is null) Synthetic(band, size, region.Y, region.Height);
                else pixels.Fill(band, size, region.Y, region.Height);
                generating.Stop();
                writer.WriteTileRow(row, band.AsSpan(0, size * region.Height * 3));
            }
            writer.Complete();
        }
        total.Stop();
        Report(output, size, tile, args.Contains("--jpeg") ? "jpeg q90" : $"deflate {level}", pixels is null ? "synthetic" : texture, total.Elapsed, generating.Elapsed);
        if (!args.Contains("--keep")) File.Delete(output);
        return 0;
    }

    private static void Report(string output, int size, int tile, string compression, string source, TimeSpan total, TimeSpan generating)
    {
        double rawMiB = (double)size * size * 3 / (1024 * 1024);
        var writing = total - generating;
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        using var opened = NetVips.Image.Openslideload(output);
        Console.WriteLine($"| {size}x{size} RGB | {source} | tile {tile} | {compression} | {Environment.ProcessorCount} cores " +
            $"| {rawMiB:0} MiB raw → {new FileInfo(output).Length / (1024.0 * 1024):0} MiB file | levels {opened.Get("openslide.level-count")} " +
            $"| write {writing.TotalSeconds:0.0} s = {rawMiB / writing.TotalSeconds:0} MiB/s (generator {generating.TotalSeconds:0.0} s) | process CPU {cpu.TotalSeconds:0.0} s " +
            $"| peak RSS {BenchArgs.PeakRssMiB():0} MiB |");
    }

    /// <summary>Tissue-like pixels: pink and purple blobs with grain on a white background, cheap to compute.</summary>
    private static void Synthetic(byte[] band, int width, int y0, int rows)
    {
        Parallel.For(0, rows, r =>
        {
            int y = y0 + r;
            for (int x = 0; x < width; x++)
            {
                uint h = (uint)(x * 73856093) ^ (uint)(y * 19349663);
                h ^= h >> 13;
                h *= 0x5bd1e995;
                int grain = (int)(h >> 28);
                bool tissue = (Math.Sin(x / 900.0) + Math.Cos(y / 700.0) + Math.Sin((x + y) / 350.0)) > 0.3;
                bool nucleus = tissue && ((x / 9) + (y / 11)) % 7 == 0;
                int i = ((r * width) + x) * 3;
                band[i] = (byte)(tissue ? (nucleus ? 110 : 220) - grain : 245 + (grain / 2));
                band[i + 1] = (byte)(tissue ? (nucleus ? 70 : 150) - grain : 245 + (grain / 2));
                band[i + 2] = (byte)(tissue ? (nucleus ? 160 : 200) - grain : 245 + (grain / 2));
            }
        });
    }

    /// <summary>Real images (e.g. GlaS) repeated across the slide, for realistic compression ratios.</summary>
    private sealed class TexturePixels(List<RgbImage> images, int width, int height)
    {
        public static TexturePixels FromFolder(string dir)
        {
            var images = Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal).Take(12).Select(ImageFile.ReadRgb).ToList();
            int w = images.Min(i => i.Width), h = images.Min(i => i.Height);
            return new TexturePixels([.. images.Select(i => i.Crop(new PixelRegion(0, 0, w, h)))], w, h);
        }

        public void Fill(byte[] band, int bandWidth, int y0, int rows)
        {
            Parallel.For(0, rows, r =>
            {
                int y = y0 + r;
                for (int x = 0; x < bandWidth; x += width)
                {
                    var image = images[((x / width) + (y / height * 5)) % images.Count];
                    int n = Math.Min(width, bandWidth - x);
                    image.Data.AsSpan(image.Index(0, y % height), n * 3).CopyTo(band.AsSpan(((r * bandWidth) + x) * 3));
                }
            });
        }
    }
}
