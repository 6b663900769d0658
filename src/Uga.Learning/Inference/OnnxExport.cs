using TorchSharp.Modules;
using Uga.Imaging;
using Uga.Inference;
using Uga.Onnx;
using static TorchSharp.torch;

namespace Uga.Learning.Inference;

/// <summary>
/// Writes a Uga ensemble as an ONNX model folder (one .onnx per member, manifest with backend onnx and logits
/// output), so ONNX Runtime — or any other ONNX consumer — runs Uga's U-Nets. Our own exporter for our one
/// architecture: conv → BatchNorm pairs are folded into one convolution (BN in eval mode is an affine map per
/// channel), instance norm becomes InstanceNormalization, dropout (inactive at inference) is left out. Input is the
/// standardised N×3×H×W image with H and W free; output the logits N×C×H×W.
/// </summary>
public static class OnnxExport
{
    public const int Opset = 17;

    public static void Write(Ensemble ensemble, string outDir)
    {
        var m = ensemble.Manifest;
        var files = Enumerable.Range(0, m.Members).Select(i => $"member-{i}.onnx").ToList();
        var manifest = m with { Backend = ModelManifest.OnnxBackend, Output = "logits", MemberFiles = files };
        manifest.Validate(ModelManifest.FileName);
        AtomicFile.WriteDirectory(outDir, tmp =>
        {
            for (int i = 0; i < m.Members; i++)
                File.WriteAllBytes(Path.Combine(tmp, files[i]), Graph(ensemble.Members[i], m.ClassCount, $"uga member {i}"));
            File.WriteAllText(Path.Combine(tmp, ModelManifest.FileName), manifest.ToJson());
        });
    }

    /// <summary>
    /// The largest absolute difference between the probabilities of <paramref name="a"/> and <paramref name="b"/>
    /// on <paramref name="count"/> RGB tiles of the model's patch size (every member, class and pixel).
    /// </summary>
    public static double MaxDifference(IEnsembleModel a, IEnsembleModel b, byte[] tiles, int count)
    {
        int patch = a.Manifest.PatchSize;
        var pa = a.CreateSource(SampleSourceKind.Ensemble).Sample(tiles, count, patch);
        var pb = b.CreateSource(SampleSourceKind.Ensemble).Sample(tiles, count, patch);
        if (pa.Length != pb.Length) throw new InvalidOperationException($"{pa.Length} vs {pb.Length} probabilities");
        double max = 0;
        for (int i = 0; i < pa.Length; i++) max = Math.Max(max, Math.Abs(pa[i] - pb[i]));
        return max;
    }

    /// <summary>One member as a serialised ONNX ModelProto.</summary>
    public static byte[] Graph(UNet net, int classes, string name)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var graph = new OnnxGraph(name);
        var weights = new Weights(graph);
        graph.Input("image", "N", "3", "H", "W");
        var (encoders, bottleneck, upsamplers, decoders, head) = net.Parts();
        string x = "image";
        var skips = new List<string>();
        foreach (var encoder in encoders)
        {
            x = Block(graph, weights, encoder, x);
            skips.Add(x);
            x = graph.Node("MaxPool", [x], OnnxAttr.Of("kernel_shape", 2L, 2L), OnnxAttr.Of("strides", 2L, 2L));
        }
        x = Block(graph, weights, bottleneck, x);
        for (int i = 0; i < decoders.Count; i++)
        {
            var up = (ConvTranspose2d)upsamplers[i];
            x = graph.Node("ConvTranspose", [x, weights.Add(up.weight!), weights.Add(up.bias!)],
                OnnxAttr.Of("kernel_shape", 2L, 2L), OnnxAttr.Of("strides", 2L, 2L));
            x = graph.Node("Concat", [skips[^(i + 1)], x], OnnxAttr.Of("axis", 1L));
            x = Block(graph, weights, decoders[i], x);
        }
        var last = (Conv2d)head;
        x = graph.Node("Conv", [x, weights.Add(last.weight!), weights.Add(last.bias!)], OnnxAttr.Of("kernel_shape", 1L, 1L));
        graph.Output(x, "logits", "N", classes.ToString(System.Globalization.CultureInfo.InvariantCulture), "H", "W");
        return graph.ToModel("uga", typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "0", Opset);
    }

    // conv (→ BN folded in) → instance norm → ReLU, as the Sequential lists them; dropout is the identity at inference.
    private static string Block(OnnxGraph graph, Weights weights, nn.Module<Tensor, Tensor> block, string x)
    {
        var layers = block.children().ToList();
        for (int i = 0; i < layers.Count; i++)
        {
            switch (layers[i])
            {
                case Conv2d conv:
                    var bn = i + 1 < layers.Count ? layers[i + 1] as BatchNorm2d : null;
                    var (w, b) = bn is null ? (conv.weight!, conv.bias) : BatchNormFolding.Folded(conv, bn);
                    var inputs = new List<string> { x, weights.Add(w) };
                    if (b is not null) inputs.Add(weights.Add(b));
                    x = graph.Node("Conv", inputs, OnnxAttr.Of("kernel_shape", 3L, 3L), OnnxAttr.Of("pads", 1L, 1L, 1L, 1L));
                    if (bn is not null) i++;
                    break;
                case InstanceNorm2d norm:
                    x = graph.Node("InstanceNormalization", [x, weights.Add(norm.weight!), weights.Add(norm.bias!)],
                        OnnxAttr.Of("epsilon", (float)norm.eps));
                    break;
                case ReLU:
                    x = graph.Node("Relu", [x]);
                    break;
                case Dropout2d:
                    break;
                default:
                    throw new NotSupportedException($"no ONNX export for {layers[i].GetType().Name}");
            }
        }
        return x;
    }

    /// <summary>Names and stores every weight tensor once, in graph order.</summary>
    private sealed class Weights(OnnxGraph graph)
    {
        private int count;

        public string Add(Tensor t)
        {
            var values = t.detach().contiguous().to_type(ScalarType.Float32).data<float>().ToArray();
            return graph.Initializer($"w{count++}", t.shape, values);
        }
    }
}
