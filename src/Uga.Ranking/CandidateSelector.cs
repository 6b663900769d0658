using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>What K counts.</summary>
public enum KMode
{
    /// <summary>K patches from every slide (each slide selected on its own).</summary>
    PerSlide,

    /// <summary>K patches in total, from wherever the strategy finds them.</summary>
    Total,

    /// <summary>K × (slides in the pool) patches chosen across the whole pool, as the paper's script does.</summary>
    PooledPerSlide,
}

/// <summary>The one spelling of <see cref="KMode"/> on command lines, in files and in reports.</summary>
public static class KModes
{
    public static readonly IReadOnlyList<string> Names = ["per-slide", "total", "pooled"];

    public static string Name(KMode mode) => Names[(int)mode];

    /// <summary>Parses a name; anything else is bad input listing the valid ones (<paramref name="option"/> names the flag).</summary>
    public static KMode Parse(string text, string option = "--k-mode")
    {
        int i = Names.ToList().IndexOf(text.ToLowerInvariant());
        return i >= 0 ? (KMode)i : throw new InvalidInputException(null, $"unknown {option} '{text}'; valid: {string.Join(", ", Names)}");
    }
}

/// <summary>What to do when fewer candidates exist than K asks for.</summary>
public enum ShortfallPolicy
{
    Throw,
    ReturnAllWithWarning,
}

public sealed record SelectionOptions
{
    public required int K { get; init; }

    public KMode Mode { get; init; } = KMode.Total;

    /// <summary>Non-maximum suppression: chosen patch centres on one slide are at least this far apart (µm); 0 = off.</summary>
    public double MinCentreDistanceUm { get; init; }

    /// <summary>At most this many patches per slide (any mode); null = no quota.</summary>
    public int? MaxPerSlide { get; init; }

    /// <summary>Shift each chosen patch by up to this fraction of its size in x and y (0 = none, 1 = the paper's script).</summary>
    public double JitterFraction { get; init; }

    /// <summary>Seed for the jitter.</summary>
    public int Seed { get; init; }

    public ShortfallPolicy Shortfall { get; init; } = ShortfallPolicy.Throw;
}

/// <summary>Chosen candidates (rank order), every pool candidate with its score (input order), and any warnings.</summary>
public sealed record Selection(IReadOnlyList<Candidate> Chosen, IReadOnlyList<Candidate> Scored, IReadOnlyList<string> Warnings);

/// <summary>
/// Scores a pool with a strategy and picks the top-K: greedy by score, round-robin over the strategy's groups,
/// skipping candidates too close to one already chosen on the same slide or over the slide's quota.
/// Ties are broken by slide id and position, so the result never depends on the pool's order.
/// </summary>
public static class CandidateSelector
{
    public static Selection Select(IReadOnlyList<Candidate> pool, RankingStrategy strategy, SelectionOptions options)
    {
        if (pool.Count == 0)
            throw new InvalidInputException(null, "candidate pool is empty (no tissue patches: check the tissue mask, patch size and minimum tissue fraction)");
        Validate(options);
        var seen = new HashSet<(string, PixelRegion)>();
        foreach (var c in pool)
            if (!seen.Add(c.Key)) throw new InvalidInputException(c.SlideId, $"patch {c.Region} appears twice in the candidate pool");
        var views = ViewsOf(strategy.Scoring, pool);
        var scores = views is null ? strategy.Scoring.Score(pool) : views[^1];
        if (scores.Length != pool.Count)
            throw new InvalidOperationException($"strategy {strategy.Name} returned {scores.Length} scores for {pool.Count} candidates");
        var scored = pool.Select((c, i) => c with { Score = scores[i], Rank = 0, JitterX = 0, JitterY = 0 }).ToArray();
        var canonical = scored.Order(Comparer<Candidate>.Create(Candidate.CompareCanonical)).ToArray();

        var byKey = views is null ? null
            : pool.Select((c, i) => (c.Key, Scores: views.Select(v => v[i]).ToArray())).ToDictionary(t => t.Key, t => t.Scores);
        var warnings = new List<string>();
        var chosen = new List<Candidate>();
        foreach (var (unit, k, label) in Units(canonical, options))
            chosen.AddRange(SelectUnit(unit, k, label, strategy.Grouping, byKey, options, warnings));

        var rng = new Random(options.Seed);
        var ranked = chosen.Select((c, i) => Jitter(c, options.JitterFraction, rng) with { Rank = i + 1 }).ToArray();
        var rankOf = ranked.ToDictionary(c => c.Key, c => c.Rank);
        var scoredOut = scored.Select(c => rankOf.TryGetValue(c.Key, out int r) ? c with { Rank = r } : c).ToArray();
        return new Selection(ranked, scoredOut, warnings);
    }

    /// <summary>
    /// Fails like <see cref="Select"/> would when the pool is empty or too small for K under the options' mode, without
    /// scoring: lets a caller check a pool laid from the tissue alone before predicting any uncertainty.
    /// </summary>
    public static void CheckPoolSize(IReadOnlyList<Candidate> pool, SelectionOptions options)
    {
        if (pool.Count == 0)
            throw new InvalidInputException(null, "candidate pool is empty (no tissue patches: check the tissue mask, patch size and minimum tissue fraction)");
        Validate(options);
        if (options.Shortfall != ShortfallPolicy.Throw) return;
        var canonical = pool.Order(Comparer<Candidate>.Create(Candidate.CompareCanonical)).ToArray();
        foreach (var (unit, k, label) in Units(canonical, options))
            if (k > unit.Length) throw new InvalidInputException(null, $"{label}: K = {k} but only {unit.Length} candidates");
    }

    /// <summary>Checks the options alone (K, quota, distance, jitter), so callers can fail before expensive work.</summary>
    public static void Validate(SelectionOptions o)
    {
        if (o.K < 1) throw new InvalidInputException(null, $"K must be at least 1, got {o.K}");
        if (o.MaxPerSlide is < 1) throw new InvalidInputException(null, $"per-slide quota must be at least 1, got {o.MaxPerSlide}");
        if (!(o.MinCentreDistanceUm >= 0)) throw new InvalidInputException(null, $"minimum centre distance must be >= 0 µm, got {o.MinCentreDistanceUm}");
        if (o.JitterFraction is < 0 or > 1 || double.IsNaN(o.JitterFraction))
            throw new InvalidInputException(null, $"jitter fraction must be in [0, 1], got {o.JitterFraction}");
    }

    // PerSlide selects each slide on its own (in slide id order); the other modes select once over the pool.
    private static IEnumerable<(Candidate[] Unit, int K, string Label)> Units(Candidate[] canonical, SelectionOptions o)
    {
        var slides = canonical.GroupBy(c => c.SlideId, StringComparer.Ordinal).ToArray();
        if (o.Mode == KMode.PerSlide)
        {
            foreach (var g in slides) yield return ([.. g], o.K, $"slide {g.Key}");
            yield break;
        }
        long k = o.Mode == KMode.PooledPerSlide ? (long)o.K * slides.Length : o.K;
        yield return (canonical, (int)Math.Min(k, int.MaxValue), "pool");
    }

    // A multi-view method's views (the last is the shown score), or null when it ranks one way (then grouping applies).
    private static double[][]? ViewsOf(IScoringMethod scoring, IReadOnlyList<Candidate> pool)
    {
        if (scoring is not IMultiViewScoring multi) return null;
        var views = multi.Views(pool);
        if (views.Length == 0 || views.Any(v => v.Length != pool.Count))
            throw new InvalidOperationException($"strategy {scoring.Name} returned no views or a view of the wrong length");
        return views.Length < 2 ? null : views;
    }

    private static List<Candidate> SelectUnit(
        Candidate[] unit, int k, string label, ICandidateGrouping grouping, Dictionary<(string, PixelRegion), double[]>? views,
        SelectionOptions o, List<string> warnings)
    {
        if (k > unit.Length)
        {
            var message = $"{label}: K = {k} but only {unit.Length} candidates";
            if (o.Shortfall == ShortfallPolicy.Throw) throw new InvalidInputException(null, message);
            warnings.Add(message + "; returning all that can be chosen");
            k = unit.Length;
        }
        List<Candidate> picked;
        if (views is not null) picked = RoundRobinViews(unit, views, k, o);
        else if (grouping is IUnitPlan plan)
        {
            // Cluster strategies rescore once K is known: the best of each cluster is then taken round-robin.
            var (groups, scores) = plan.Plan(unit, k);
            picked = GreedyRoundRobin([.. unit.Select((c, i) => c with { Score = scores[i] })], groups, k, o);
        }
        else picked = GreedyRoundRobin(unit, grouping.Group(unit, k), k, o);
        if (picked.Count < k)
            warnings.Add($"{label}: only {picked.Count} of {k} patches could be chosen under the minimum distance / per-slide quota");
        return picked;
    }

    private static List<Candidate> GreedyRoundRobin(Candidate[] unit, int[] groups, int k, SelectionOptions o)
    {
        // Each group's candidates best first; equal scores keep canonical order (OrderBy is stable).
        var queues = Enumerable.Range(0, unit.Length).GroupBy(i => groups[i])
            .Select(g => new Queue<int>(g.OrderByDescending(i => unit[i].Score, ScoreComparer.Instance))).ToList();
        var chosen = new List<Candidate>();
        var perSlide = new Dictionary<string, int>(StringComparer.Ordinal);
        while (chosen.Count < k)
        {
            // Blocking is permanent (chosen only grows), so inadmissible heads can be dropped for good. Queues are in
            // canonical order of their first candidate and the sort is stable, so equal heads stay canonical.
            var round = queues.Where(q => Head(q, unit, chosen, perSlide, o) >= 0)
                .OrderByDescending(q => unit[q.Peek()].Score, ScoreComparer.Instance).ToList();
            if (round.Count == 0) break;
            foreach (var q in round)
            {
                int i = Head(q, unit, chosen, perSlide, o);
                if (i < 0) continue;
                q.Dequeue();
                chosen.Add(unit[i]);
                perSlide[unit[i].SlideId] = perSlide.GetValueOrDefault(unit[i].SlideId) + 1;
                if (chosen.Count == k) break;
            }
        }
        return chosen;
    }

    // Each view in turn (fixed order: views' scores are not comparable) gives its best candidate not yet chosen.
    private static List<Candidate> RoundRobinViews(Candidate[] unit, Dictionary<(string, PixelRegion), double[]> views, int k, SelectionOptions o)
    {
        int count = views[unit[0].Key].Length;
        var queues = Enumerable.Range(0, count).Select(v => new Queue<int>(Enumerable.Range(0, unit.Length)
            .OrderByDescending(i => views[unit[i].Key][v], ScoreComparer.Instance))).ToList();
        var chosen = new List<Candidate>();
        var taken = new HashSet<int>();
        var perSlide = new Dictionary<string, int>(StringComparer.Ordinal);
        while (chosen.Count < k && queues.Any(q => q.Count > 0))
        {
            foreach (var q in queues)
            {
                while (q.Count > 0 && (taken.Contains(q.Peek()) || !Admissible(unit[q.Peek()], chosen, perSlide, o))) q.Dequeue();
                if (q.Count == 0) continue;
                int i = q.Dequeue();
                taken.Add(i);
                chosen.Add(unit[i]);
                perSlide[unit[i].SlideId] = perSlide.GetValueOrDefault(unit[i].SlideId) + 1;
                if (chosen.Count == k) break;
            }
        }
        return chosen;
    }

    private static int Head(Queue<int> queue, Candidate[] unit, List<Candidate> chosen, Dictionary<string, int> perSlide, SelectionOptions o)
    {
        while (queue.Count > 0 && !Admissible(unit[queue.Peek()], chosen, perSlide, o)) queue.Dequeue();
        return queue.Count > 0 ? queue.Peek() : -1;
    }

    private static bool Admissible(Candidate c, List<Candidate> chosen, Dictionary<string, int> perSlide, SelectionOptions o)
    {
        if (o.MaxPerSlide is int quota && perSlide.GetValueOrDefault(c.SlideId) >= quota) return false;
        if (o.MinCentreDistanceUm <= 0) return true;
        var (cx, cy) = c.CentreUm;
        foreach (var other in chosen)
        {
            if (!string.Equals(other.SlideId, c.SlideId, StringComparison.Ordinal)) continue;
            var (ox, oy) = other.CentreUm;
            if (Math.Sqrt(((cx - ox) * (cx - ox)) + ((cy - oy) * (cy - oy))) < o.MinCentreDistanceUm) return false;
        }
        return true;
    }

    // The paper's script shifts each shown patch by up to one patch size so the annotator sees context around it.
    private static Candidate Jitter(Candidate c, double fraction, Random rng)
    {
        int reach = (int)Math.Round(fraction * c.PatchSize);
        if (reach == 0) return c;
        int dx = rng.Next(-reach, reach + 1), dy = rng.Next(-reach, reach + 1);
        int x = Math.Clamp(c.Region.X + dx, 0, Math.Max(0, c.SlideWidth - c.Region.Width));
        int y = Math.Clamp(c.Region.Y + dy, 0, Math.Max(0, c.SlideHeight - c.Region.Height));
        return c with { JitterX = x - c.Region.X, JitterY = y - c.Region.Y };
    }

    /// <summary>Orders NaN scores below everything, so a broken score never wins.</summary>
    private sealed class ScoreComparer : IComparer<double>
    {
        public static readonly ScoreComparer Instance = new();

        public int Compare(double x, double y) =>
            double.IsNaN(x) ? (double.IsNaN(y) ? 0 : -1) : double.IsNaN(y) ? 1 : x.CompareTo(y);
    }
}
