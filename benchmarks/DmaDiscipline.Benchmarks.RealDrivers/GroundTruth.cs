namespace DmaDiscipline.Benchmarks.RealDrivers;

/// <summary>One defect of the ground truth: its rule, the site, the other sites where reporting it is also right.</summary>
internal sealed record GroundTruthItem(string Kind, string Site, IReadOnlySet<string> Sites, string Why, string Needs);

/// <summary>A look-alike the ground truth says is not a defect.</summary>
internal sealed record Negative(string Site, string Why);

/// <summary>tests/RealDrivers/&lt;name&gt;/ground-truth.tsv: defects (DMA001/DMA008) and deliberate negatives, as file:line.</summary>
internal sealed record GroundTruth(IReadOnlyList<GroundTruthItem> Items, IReadOnlyList<Negative> Negatives)
{
    public static GroundTruth Read(string path)
    {
        var items = new List<GroundTruthItem>();
        var negatives = new List<Negative>();
        var lineNumber = 0;
        foreach (var line in File.ReadAllLines(path))
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var columns = line.Split('\t');
            if (columns.Length < 4 || !columns[1].Contains(':'))
            {
                throw new FormatException($"{path}:{lineNumber}: expected kind, file:line, also, why[, needs] separated by tabs");
            }

            var site = columns[1].Trim();
            switch (columns[0])
            {
                case "negative":
                    negatives.Add(new Negative(site, columns[3]));
                    break;
                case "DMA001" or "DMA008":
                    var sites = new HashSet<string>(StringComparer.Ordinal) { site };
                    foreach (var also in columns[2].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        sites.Add(also);
                    }

                    items.Add(new GroundTruthItem(columns[0], site, sites, columns[3], columns.Length > 4 ? columns[4] : ""));
                    break;
                default:
                    throw new FormatException($"{path}:{lineNumber}: unknown kind '{columns[0]}'");
            }
        }

        return new GroundTruth(items, negatives);
    }

    /// <summary>
    /// Every site must be a non-blank line of a file of the checked-out source: a ground truth whose line numbers
    /// drifted would score the analyzer against the wrong code.
    /// </summary>
    public void CheckSites(string root, string path)
    {
        var lines = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var site in Items.SelectMany(item => item.Sites).Concat(Negatives.Select(n => n.Site)))
        {
            var colon = site.LastIndexOf(':');
            var file = site[..colon];
            if (!lines.TryGetValue(file, out var text))
            {
                var full = System.IO.Path.Combine(root, file);
                text = File.Exists(full) ? File.ReadAllLines(full) : throw new FileNotFoundException($"{path}: '{site}' names a file that is not in the source", full);
                lines[file] = text;
            }

            if (!int.TryParse(site[(colon + 1)..], out var line) || line < 1 || line > text.Length || string.IsNullOrWhiteSpace(text[line - 1]))
            {
                throw new FormatException($"{path}: '{site}' is not a non-blank line of {file}");
            }
        }
    }
}
