using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// Reads DmaDiscipline.txt (or DmaDiscipline.*.txt) additional files: one documentation comment id
    /// and its role per line, '#' or '//' comments, in the style of BannedSymbols.txt.
    /// </summary>
    internal static class SymbolsFile
    {
        internal readonly struct Entry
        {
            public Entry(string documentationId, DmaRole role, string? parameterName, Location? location = null)
            {
                DocumentationId = documentationId;
                Role = role;
                ParameterName = parameterName;
                Location = location;
            }

            public string DocumentationId { get; }
            public DmaRole Role { get; }
            /// <summary>For a bus-sink method: the one parameter that is the sink (null = every address-like parameter); for <c>made-with</c>: the member and its content (<see cref="MadeWith"/>).</summary>
            public string? ParameterName { get; }
            /// <summary>Where the line is (file, line), for the diagnostics about it.</summary>
            public Location? Location { get; }
        }

        internal readonly struct Error
        {
            public Error(Location location, string message)
            {
                Location = location;
                Message = message;
            }

            public Location Location { get; }
            public string Message { get; }
        }

        private static readonly ImmutableDictionary<string, DmaRole> RoleNames = new Dictionary<string, DmaRole>(StringComparer.Ordinal)
        {
            ["physical-source"] = DmaRole.PhysicalSource,
            ["bus-sink"] = DmaRole.BusSink,
            ["map"] = DmaRole.Map,
            ["map-persistent"] = DmaRole.Map | DmaRole.PersistentMap,
            ["unmap"] = DmaRole.Unmap,
            ["sync-for-cpu"] = DmaRole.SyncForCpu,
            ["sync-for-device"] = DmaRole.SyncForDevice,
            ["mapping-error-check"] = DmaRole.MappingErrorCheck,
            ["coherent-alloc"] = DmaRole.CoherentAlloc,
            ["coherent-free"] = DmaRole.CoherentFree,
            ["translation-query"] = DmaRole.TranslationQuery,
            ["cpu-access"] = DmaRole.CpuAccess,
            ["bus-address"] = DmaRole.BusAddressType,
            ["platform"] = DmaRole.Platform,
            ["device-memory"] = DmaRole.DeviceMemory,
            ["value-preserving"] = DmaRole.ValuePreserving,
            ["receiver-sink"] = DmaRole.ReceiverSink,
            ["made-with"] = DmaRole.MadeWith,
        }.ToImmutableDictionary();

        /// <summary>The roles a symbol of each documentation-id prefix may take; anything else is a broken line.</summary>
        private static DmaRole AllowedRoles(char prefix)
        {
            switch (prefix)
            {
                case 'M':
                    return DmaRole.PhysicalSource | DmaRole.BusSink | DmaRole.Map | DmaRole.Unmap | DmaRole.SyncForCpu | DmaRole.SyncForDevice
                        | DmaRole.MappingErrorCheck | DmaRole.CoherentAlloc | DmaRole.CoherentFree | DmaRole.TranslationQuery | DmaRole.PersistentMap | DmaRole.DeviceMemory
                        | DmaRole.ValuePreserving | DmaRole.ReceiverSink;
                case 'P':
                case 'F':
                    return DmaRole.PhysicalSource | DmaRole.BusSink | DmaRole.TranslationQuery | DmaRole.CpuAccess | DmaRole.DeviceMemory | DmaRole.MadeWith;
                case 'T':
                    return DmaRole.PhysicalSource | DmaRole.BusAddressType | DmaRole.Platform | DmaRole.DeviceMemory;
                default:
                    return DmaRole.None;
            }
        }

        /// <summary>The line <c>pointers ; physical-source</c>: on this platform a pointer is a physical address (identity-mapped kernels).</summary>
        public const string PointersId = "pointers";

        public static bool IsSymbolsFile(string path)
        {
            var name = System.IO.Path.GetFileName(path);
            return name.Equals("DmaDiscipline.txt", StringComparison.OrdinalIgnoreCase)
                || (name.StartsWith("DmaDiscipline.", StringComparison.OrdinalIgnoreCase) && name.EndsWith(".txt", StringComparison.OrdinalIgnoreCase));
        }

        public static void Parse(string path, SourceText text, List<Entry> entries, List<Error>? errors)
        {
            foreach (var line in text.Lines)
            {
                var raw = line.ToString();
                var content = StripComment(raw);
                var trimmed = content.Trim();
                if (trimmed.Length == 0)
                {
                    continue;
                }

                var start = line.Start + content.IndexOf(trimmed, StringComparison.Ordinal);
                var span = new TextSpan(start, trimmed.Length);
                string? problem = ParseLine(trimmed, out var entry);
                if (problem is null)
                {
                    entries.Add(errors is null ? entry : new Entry(entry.DocumentationId, entry.Role, entry.ParameterName, Where(path, text, span)));
                }
                else if (errors is not null)
                {
                    errors.Add(new Error(Where(path, text, span), problem));
                }
            }
        }

        private static Location Where(string path, SourceText text, TextSpan span) => Location.Create(path, span, text.Lines.GetLinePositionSpan(span));

        /// <summary>The symbols-file spelling of a single role.</summary>
        public static string RoleName(DmaRole role)
        {
            foreach (var pair in RoleNames)
            {
                if (pair.Value == role)
                {
                    return pair.Key;
                }
            }

            return role.ToString();
        }

        private static string StripComment(string line)
        {
            var cut = line.Length;
            // A '#' starts a comment at the line's start or after white space: inside an id it is a constructor's
            // (M:Hal.Nic.#ctor(System.UInt64), #cctor), which a comment must not cut off.
            for (var hash = line.IndexOf('#'); hash >= 0; hash = line.IndexOf('#', hash + 1))
            {
                if (hash == 0 || char.IsWhiteSpace(line[hash - 1]))
                {
                    cut = hash;
                    break;
                }
            }

            var slashes = line.IndexOf("//", StringComparison.Ordinal);
            if (slashes >= 0 && slashes < cut)
            {
                cut = slashes;
            }

            return line.Substring(0, cut);
        }

        /// <summary>Reads one line without its comment (a published summary's line, see <see cref="Publishing.PublishedSummary"/>); the problem, or null.</summary>
        public static string? ParseEntry(string line, out Entry entry) => ParseLine(line.Trim(), out entry);

        private static string? ParseLine(string line, out Entry entry)
        {
            entry = default;
            var separator = line.IndexOf(';');
            if (separator < 0)
            {
                return "expected '<documentation id> ; <role>' but found no ';'";
            }

            var id = line.Substring(0, separator).Trim();
            var roleText = line.Substring(separator + 1).Trim();
            if (id == PointersId)
            {
                // An identity-mapped platform: a pointer is the physical address of what it points at.
                if (roleText != "physical-source")
                {
                    return $"'{PointersId}' takes only the role 'physical-source' (pointers are physical addresses on this platform), not '{roleText}'";
                }

                entry = new Entry(PointersId, DmaRole.PhysicalSource, null);
                return null;
            }

            if (id.Length < 3 || id[1] != ':' || "MPFT".IndexOf(id[0]) < 0)
            {
                return $"'{id}' is not a documentation comment id of a method (M:), property (P:), field (F:) or type (T:)";
            }

            string? parameter = null;
            var open = roleText.IndexOf('(');
            if (open >= 0)
            {
                if (!roleText.EndsWith(")", StringComparison.Ordinal))
                {
                    return $"role '{roleText}' has an unclosed '('";
                }

                parameter = roleText.Substring(open + 1, roleText.Length - open - 2).Trim();
                roleText = roleText.Substring(0, open).Trim();
                if (parameter.Length == 0)
                {
                    return "empty parameter name in '()'";
                }
            }

            if (!RoleNames.TryGetValue(roleText, out var role))
            {
                return $"unknown role '{roleText}' (expected one of: {string.Join(", ", RoleNames.Keys.OrderBy(name => name, StringComparer.Ordinal))})";
            }

            if ((AllowedRoles(id[0]) & role) == 0)
            {
                return $"role '{roleText}' does not apply to '{id[0]}:' symbols";
            }

            if (role == DmaRole.MadeWith)
            {
                // F:Lib.Group.Data ; made-with(Base: constant 0x0046C000)
                if (parameter is null)
                {
                    return "'made-with' takes '(<member>: <content>)'";
                }

                if (MadeWith.Parse(parameter, out _) is { } unreadable)
                {
                    return unreadable;
                }
            }
            else if (parameter is not null && !((role == DmaRole.BusSink || role == DmaRole.ReceiverSink || role == DmaRole.PhysicalSource || role == DmaRole.DeviceMemory) && id[0] == 'M'))
            {
                return "a parameter name is only allowed with 'bus-sink', 'receiver-sink', 'physical-source' or 'device-memory' on a method "
                    + "(for the last two, the out or ref parameter the address comes back through)";
            }

            entry = new Entry(id, role, parameter);
            return null;
        }
    }
}
