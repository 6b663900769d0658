using Uga.Imaging;
using Uga.Ranking;
using static Uga.Ranking.Tests.TestPools;

namespace Uga.Ranking.Tests;

public sealed class SlideFeaturesFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("uga-features-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Stored_features_reduce_to_the_candidates_of_features_in_memory_bit_for_bit()
    {
        var random = new Random(11);
        FloatMap Noise(float scale) => TestPools.Noise(random, 48, 32, scale);
        var colour = new RgbImage(48, 32);
        random.NextBytes(colour.Data);
        var slides = new[]
        {
            Slide("a", Noise(1.0f)) with { Colour = new SpacedImage(colour, 1) },
            Slide("b", Noise(0.85f)),
        };
        var grid = new GridOptions { PatchSizePx = 8, SpacingUm = 1, StridePx = 6, MinTissueFraction = 0 };
        var features = slides.Select(s => CandidateGrid.Features(s, grid)).ToList();
        // Slide a's candidates carry embeddings (as for the clustering strategies); b's none.
        features[0] = features[0] with { Candidates = [.. features[0].Candidates.Select((c, i) => c with { Embedding = [i, -i / 3f, 0.5f] })] };

        var read = features.Select((f, i) =>
        {
            var path = Path.Combine(_dir, $"{i}.bin");
            SlideFeaturesFile.Write(path, f);
            return SlideFeaturesFile.Read(path);
        }).ToList();

        Assert.Equal(features.Select(f => (f.Slide.Id, f.Slide.Width, f.Slide.Height, f.Slide.SpacingUm)), read.Select(f => (f.Slide.Id, f.Slide.Width, f.Slide.Height, f.Slide.SpacingUm)));
        Assert.Equal(features.Select(f => f.Maxima.Values.Single()), read.Select(f => f.Maxima.Values.Single()));
        var expected = CandidateGrid.Reduce(features, grid);
        var actual = CandidateGrid.Reduce(read, grid);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal((expected[i].Key, expected[i].TissueFraction, expected[i].Colour), (actual[i].Key, actual[i].TissueFraction, actual[i].Colour));
            Assert.Equal((expected[i].SpacingUm, expected[i].SlideWidth, expected[i].SlideHeight), (actual[i].SpacingUm, actual[i].SlideWidth, actual[i].SlideHeight));
            Assert.Equal(expected[i].Measures["ensemble-ce"], actual[i].Measures["ensemble-ce"]);
            Assert.Equal(expected[i].Embedding, actual[i].Embedding);
        }
        Assert.Contains(actual, c => c.Colour is not null);
        Assert.Contains(actual, c => c.Measures["ensemble-ce"].PoolCount > 0);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp")); // written under a temporary name, renamed into place
    }

    [Fact]
    public void A_file_that_is_not_whole_features_is_refused_naming_it()
    {
        var slide = Slide("a", new FloatMap(16, 16));
        var path = Path.Combine(_dir, "a.bin");
        SlideFeaturesFile.Write(path, CandidateGrid.Features(slide, new GridOptions { PatchSizePx = 8, SpacingUm = 1, MinTissueFraction = 0 }));
        var whole = File.ReadAllBytes(path);

        File.WriteAllBytes(path, whole[..(whole.Length - 5)]);
        Assert.Equal($"{path}: is truncated", Assert.Throws<InvalidInputException>(() => SlideFeaturesFile.Read(path)).Message);
        File.WriteAllBytes(path, [.. whole, 0]);
        Assert.Contains("bytes after its last candidate", Assert.Throws<InvalidInputException>(() => SlideFeaturesFile.Read(path)).Message, StringComparison.Ordinal);
        File.WriteAllText(path, "{\"not\": \"features\"}");
        Assert.Contains("is not a Uga slide-features file", Assert.Throws<InvalidInputException>(() => SlideFeaturesFile.Read(path)).Message, StringComparison.Ordinal);
    }
}
