using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using Uga.Inference;
using Uga.Learning;
using Uga.Learning.Inference;
using Uga.Onnx;
using static TorchSharp.torch;

namespace Uga.Bench;

/// <summary>
/// One U-Net, four ways, side by side in one run: TorchSharp float32 (BatchNorm folded, as `uga predict` runs it),
/// TorchSharp bfloat16 (weights and input), ONNX Runtime float32 (`uga export`) and int8 (static QDQ export), and
/// Debian's PyTorch running the same ONNX weights eagerly as the peer. Per thread count: seconds per batch (best and median of interleaved
/// repeats), Mpx/s of patch pixels, GFLOP/s from the analytic convolution count, and the share of the CPU's nominal
/// peak (threads × clock × FLOP per cycle from its flags). The C# rows time what Uga pays per batch (input
/// standardisation and softmax included); the peer times the network alone.
/// </summary>
public sealed class BackendsBench : IConsoleBench
{
    public string Name => "backends";
    public string Description => "TorchSharp fp32/bf16 vs ONNX Runtime vs PyTorch (peer) on one U-Net: --size 256 --batch 4 --repeats 5 --threads 1,2 --depth 4 --channels 16 [--no-peer] [--load N: N busy processes compete, as on a shared machine]";

    public int Run(string[] args)
    {
        int size = BenchArgs.GetInt(args, "--size", 256), batch = BenchArgs.GetInt(args, "--batch", 4), repeats = BenchArgs.GetInt(args, "--repeats", 5);
        var threadCounts = BenchArgs.Get(args, "--threads", "1,2").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        var arch = TrainingOptions.DefaultArchitecture with
        {
            Depth = BenchArgs.GetInt(args, "--depth", 4),
            BaseChannels = BenchArgs.GetInt(args, "--channels", 16),
        };
        var cpu = CpuFeatures.Current;
        Console.WriteLine($"CPU: {CpuInfo.Describe()}; clock {cpu.ClockMHz:0} MHz; ONNX Runtime {OnnxEnsemble.RuntimeVersion}; TorchSharp {typeof(torch).Assembly.GetName().Version}");

        using var dir = new BenchDir();
        using var ensemble = Model(arch, size);
        var flops = ConvFlopCounter.Count(ensemble.Members[0], [1, 3, size, size]).Flops * (double)batch;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"U-Net depth {arch.Depth}, {arch.BaseChannels} channels; batch {batch} x {size}^2 = {flops / 1e9:0.##} GFLOP per batch; {repeats} repeats interleaved after a warm-up"));
        OnnxExport.Write(ensemble, dir.File("onnx"));
        var tiles = new byte[batch * size * size * 3];
        new Random(5).NextBytes(tiles);
        // Calibrated on the timed tiles themselves: this row measures speed; accuracy on real data is `uga-bench precision`.
        OnnxExport.Write(ensemble, dir.File("onnx-int8"), (tiles, batch));

        var bf16Model = Model(arch, size);
        bf16Model.Members[0].load_state_dict(ensemble.Members[0].state_dict());
        using var bf16 = EnsembleModels.InBf16(bf16Model); // what `uga predict --precision bf16` runs
        var bf16Source = bf16.CreateSource(SampleSourceKind.Ensemble);
        foreach (var m in ensemble.Members) BatchNormFolding.Fold(m);
        var rows = new List<(string Backend, int Threads, List<double> Seconds, string Note)>();
        using var load = new BusyLoad(BenchArgs.GetInt(args, "--load", 0));
        foreach (int t in threadCounts)
        {
            torch.set_num_threads(t);
            using var onnx = OnnxEnsemble.Load(dir.File("onnx"), ModelManifest.Read(Path.Combine(dir.File("onnx"), ModelManifest.FileName)), t);
            using var onnxInt8 = OnnxEnsemble.Load(dir.File("onnx-int8"), ModelManifest.Read(Path.Combine(dir.File("onnx-int8"), ModelManifest.FileName)), t);
            var int8Source = onnxInt8.CreateSource(SampleSourceKind.Ensemble);
            var torchSource = ensemble.CreateSource(SampleSourceKind.Ensemble);
            var onnxSource = onnx.CreateSource(SampleSourceKind.Ensemble);
            var reference = torchSource.Sample(tiles, batch, size);
            double onnxDiff = MaxDiff(reference, onnxSource.Sample(tiles, batch, size));
            double bf16Diff = MaxDiff(reference, bf16Source.Sample(tiles, batch, size));
            double int8Diff = MaxDiff(reference, int8Source.Sample(tiles, batch, size));
            var timed = new (string Name, Action Run, List<double> Seconds)[]
            {
                ("TorchSharp fp32", () => torchSource.Sample(tiles, batch, size), []),
                ("TorchSharp bf16", () => bf16Source.Sample(tiles, batch, size), []),
                ("ONNX Runtime fp32", () => onnxSource.Sample(tiles, batch, size), []),
                ("ONNX Runtime int8", () => int8Source.Sample(tiles, batch, size), []),
            };
            // Emulated bf16 is tens of times slower; one run says enough and keeps the benchmark short.
            int bf16Repeats = cpu.Bf16 ? repeats : 1;
            for (int r = 0; r < repeats; r++)
                foreach (var (name, run, seconds) in timed)
                    if (name != "TorchSharp bf16" || r < bf16Repeats) seconds.Add(Time(run));
            rows.Add((timed[0].Name, t, timed[0].Seconds, "reference"));
            rows.Add((timed[1].Name, t, timed[1].Seconds, $"max |Δp| {bf16Diff:0.0e+0}{(cpu.Bf16 ? "" : ", no AVX512-BF16/AMX: emulated")}"));
            rows.Add((timed[2].Name, t, timed[2].Seconds, $"max |Δp| {onnxDiff:0.0e+0}"));
            rows.Add((timed[3].Name, t, timed[3].Seconds, $"max |Δp| {int8Diff:0.0e+0} (static QDQ, calibrated on these tiles)"));
            if (!args.Contains("--no-peer")) rows.Add(Peer(dir, ensemble, tiles, batch, size, t, repeats));
        }
        Print(rows, flops, batch * (double)size * size, cpu);
        return 0;
    }

    private static Ensemble Model(UNetOptions arch, int size)
    {
        torch.random.manual_seed(7);
        var manifest = new ModelManifest
        {
            ClassNames = ["background", "foreground"],
            SpacingUm = 0.5,
            PatchSize = size,
            Depth = arch.Depth,
            BaseChannels = arch.BaseChannels,
            Normalisation = arch.Normalisation,
            Dropout = arch.Dropout,
            InputMean = [0.7f, 0.5f, 0.7f],
            InputStd = [0.15f, 0.2f, 0.15f],
            Members = 1,
            MemberFiles = ["member-0.pt"],
        };
        var net = new UNet(UNetOptions.Of(manifest));
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            net.train();   // BatchNorm statistics as after training, so folding has real work to do
            net.call(randn(2, 3, size, size));
            net.eval();
        }
        return new Ensemble(manifest, [net]);
    }

    private static (string, int, List<double>, string) Peer(BenchDir dir, Ensemble model, byte[] tiles, int batch, int size, int threads, int repeats)
    {
        const string Python = "/usr/bin/python3";
        using (var scope = NewDisposeScope())
        {
            var x = model.Normalise(tensor(tiles, [batch, size, size, 3])).contiguous().data<float>().ToArray();
            File.WriteAllBytes(dir.File("x.f32"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()).ToArray());
        }
        var script = Path.Combine(AppContext.BaseDirectory, "peer_torch.py");
        var info = new ProcessStartInfo(Python, [script, "--onnx", Path.Combine(dir.File("onnx"), "member-0.onnx"), "--input", dir.File("x.f32"),
            "--shape", $"{batch},3,{size},{size}", "--threads", threads.ToString(CultureInfo.InvariantCulture),
            "--repeats", repeats.ToString(CultureInfo.InvariantCulture), "--output", dir.File("y.f32")])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEnd();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) return ("PyTorch eager (peer)", threads, [], $"failed: {stderr.Trim().Split('\n')[^1]}");
            using var json = JsonDocument.Parse(stdout);
            var seconds = json.RootElement.GetProperty("seconds").EnumerateArray().Select(e => e.GetDouble()).ToList();
            var logits = Logits(model, tiles, batch, size);
            var theirs = new float[logits.Length];
            Buffer.BlockCopy(File.ReadAllBytes(dir.File("y.f32")), 0, theirs, 0, theirs.Length * 4);
            return ($"PyTorch {json.RootElement.GetProperty("torch").GetString()} eager (peer)", threads, seconds, $"network only; max |Δlogit| {MaxDiff(logits, theirs):0.0e+0}");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return ("PyTorch eager (peer)", threads, [], $"{Python} not found (apt-get install python3-torch python3-onnx)");
        }
    }

    private static float[] Logits(Ensemble model, byte[] tiles, int batch, int size)
    {
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        return model.Members[0].call(model.Normalise(tensor(tiles, [batch, size, size, 3]))).contiguous().data<float>().ToArray();
    }

    private static double Time(Action run)
    {
        var watch = Stopwatch.StartNew();
        run();
        return watch.Elapsed.TotalSeconds;
    }

    private static double MaxDiff(float[] a, float[] b) => a.Zip(b, (x, y) => (double)Math.Abs(x - y)).Max();

    private static void Print(List<(string Backend, int Threads, List<double> Seconds, string Note)> rows, double flops, double pixels, CpuFeatures cpu)
    {
        Console.WriteLine();
        Console.WriteLine("| backend | threads | best s/batch | median | Mpx/s | GFLOP/s | % of fp32 peak | note |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var (backend, threads, seconds, note) in rows)
        {
            if (seconds.Count == 0)
            {
                Console.WriteLine($"| {backend} | {threads} | - | - | - | - | - | {note} |");
                continue;
            }
            double best = seconds.Min(), median = seconds.Order().ElementAt(seconds.Count / 2);
            double peak = threads * cpu.ClockMHz * 1e6 * cpu.Fp32FlopsPerCycle;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {backend} | {threads} | {best:0.###} | {median:0.###} | {pixels / best / 1e6:0.###} | {flops / best / 1e9:0.#} | {(peak > 0 ? 100 * flops / best / peak : double.NaN):0.#} | {note} |"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"nominal peaks per thread at {cpu.ClockMHz:0} MHz (the clock /proc/cpuinfo reports; boost clocks run higher, so % of peak is an upper bound): fp32 {cpu.Fp32FlopsPerCycle * cpu.ClockMHz / 1e3:0.#} GFLOP/s ({cpu.Fp32FlopsPerCycle} FLOP/cycle), bf16 {(cpu.Bf16FlopsPerCycle == 0 ? "none (no AVX512-BF16 or AMX)" : $"{cpu.Bf16FlopsPerCycle * cpu.ClockMHz / 1e3:0.#} GFLOP/s")}"));
    }
}

/// <summary>N processes that spin on a core each while alive: the other users of a shared machine.</summary>
internal sealed class BusyLoad : IDisposable
{
    private readonly List<Process> processes;

    public BusyLoad(int count)
    {
        processes = [.. Enumerable.Range(0, count).Select(_ => Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "while :; do :; done"]))!)];
        if (count > 0) Console.WriteLine($"{count} busy processes compete for the cores during the measurements");
    }

    public void Dispose()
    {
        foreach (var p in processes)
        {
            p.Kill();
            p.WaitForExit();
            p.Dispose();
        }
    }
}

/// <summary>A scratch folder for one benchmark run, removed afterwards.</summary>
internal sealed class BenchDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("uga-bench-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
