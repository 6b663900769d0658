using System.Security.Cryptography;
using Uga.Inference;

namespace Uga.Inference.Artifacts;

/// <summary>
/// Identities that decide whether a stored prediction is still current: the model's (every byte of its manifest
/// and member weights) and the slide's (a fingerprint of its bytes).
/// </summary>
public static class Fingerprints
{
    private const int SampleBytes = 64 * 1024;
    private const int Samples = 16;

    /// <summary>SHA-256 over the model folder's manifest and member files, in manifest order.</summary>
    public static string Model(string modelDir, ModelManifest manifest)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in manifest.MemberFiles.Prepend(ModelManifest.FileName))
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(file));
            sha.AppendData(File.ReadAllBytes(Path.Combine(modelDir, file)));
        }
        return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>
    /// A content fingerprint of a slide file: SHA-256 of its length and 16 evenly spaced 64 KiB samples (the whole
    /// file when smaller than 1 MiB). Whole-file hashing of multi-gigabyte slides would cost seconds on every rank;
    /// scanners rewrite headers and tile data together, so a changed or replaced slide changes sampled bytes.
    /// </summary>
    public static string Slide(string path)
    {
        using var file = File.OpenRead(path);
        long length = file.Length;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(BitConverter.GetBytes(length));
        var buffer = new byte[SampleBytes];
        if (length <= (long)SampleBytes * Samples)
        {
            sha.AppendData(File.ReadAllBytes(path));
        }
        else
        {
            for (int i = 0; i < Samples; i++)
            {
                file.Position = (length - SampleBytes) * i / (Samples - 1);
                file.ReadExactly(buffer);
                sha.AppendData(buffer);
            }
        }
        return "sample-sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
