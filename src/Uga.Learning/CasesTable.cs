using Uga.Imaging;

using Uga.Inference;

namespace Uga.Learning;

/// <summary>
/// A dataset's cases.csv: a header row, then one row per case whose first column is the image stem. Fields may
/// be double-quoted (with "" for a quote inside). Used to filter cases (--where column=value) and to read
/// per-case metadata such as spacing_um.
/// </summary>
public sealed class CasesTable
{
    private readonly Dictionary<string, string[]> rows;

    private CasesTable(string path, string[] columns, Dictionary<string, string[]> rows)
    {
        Path = path;
        Columns = columns;
        this.rows = rows;
    }

    public string Path { get; }
    public IReadOnlyList<string> Columns { get; }

    public static CasesTable Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "cases table not found");
        var lines = File.ReadAllLines(path).Where(l => l.Trim().Length > 0).ToList();
        if (lines.Count == 0) throw new InvalidInputException(path, "cases table is empty (no header row)");
        var columns = CsvLine.Split(lines[0], path, 1).Select(c => c.Trim()).ToArray();
        var rows = new Dictionary<string, string[]>(StringComparer.Ordinal);
        for (int i = 1; i < lines.Count; i++)
        {
            var fields = CsvLine.Split(lines[i], path, i + 1);
            if (fields.Length != columns.Length)
                throw new InvalidInputException(path, $"line {i + 1} has {fields.Length} fields, the header has {columns.Length}");
            var stem = fields[0].Trim();
            if (!rows.TryAdd(stem, fields))
                throw new InvalidInputException(path, $"case '{stem}' is listed twice (line {i + 1})");
        }
        return new CasesTable(path, columns, rows);
    }

    public bool HasColumn(string column) => ColumnIndex(column) >= 0;

    /// <summary>The value of <paramref name="column"/> for case <paramref name="stem"/>, or null if the case is not listed.</summary>
    public string? Value(string stem, string column)
    {
        int index = ColumnIndex(column);
        if (index < 0) throw new InvalidInputException(Path, $"no column '{column}' (columns: {string.Join(", ", Columns)})");
        return rows.TryGetValue(stem, out var fields) ? fields[index].Trim() : null;
    }

    /// <summary>True if the case is listed and every filter's column has the filter's value (case-insensitive).</summary>
    public bool Matches(string stem, IEnumerable<CaseFilter> filters) =>
        filters.All(f => string.Equals(Value(stem, f.Column), f.Value, StringComparison.OrdinalIgnoreCase));

    private int ColumnIndex(string column) =>
        Array.FindIndex((string[])Columns, c => string.Equals(c, column, StringComparison.OrdinalIgnoreCase));
}

/// <summary>One "column=value" condition on cases.csv; several are combined with AND.</summary>
public sealed record CaseFilter(string Column, string Value)
{
    public static CaseFilter Parse(string text)
    {
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == text.Length - 1)
            throw new InvalidInputException(null, $"filter '{text}' must look like column=value");
        return new CaseFilter(text[..eq].Trim(), text[(eq + 1)..].Trim());
    }

    public override string ToString() => $"{Column}={Value}";
}
