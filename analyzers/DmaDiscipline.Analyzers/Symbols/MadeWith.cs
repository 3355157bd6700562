using System;
using System.Globalization;

namespace DmaDiscipline.Analyzers.Symbols
{
    /// <summary>
    /// What a <c>made-with</c> line says of a field or property: the object it holds is only ever made (by
    /// <c>new T(…)</c>) so that its member <see cref="Member"/> — set only by T's constructors — holds a physical
    /// address, device memory or a hard-coded constant. Written <c>F:Lib.Group.Data ; made-with(Base: constant
    /// 0x0046C000)</c>; one line per content (a member made with a constant at one site and a physical address at
    /// another has two). A project publishes these for its own fields (the summary generator), so that a
    /// project reading <c>group.Data.Base</c> knows what that block's base is without seeing the <c>new</c>.
    /// </summary>
    internal readonly struct MadeWith
    {
        public const string PhysicalSource = "physical-source";
        public const string DeviceMemory = "device-memory";
        public const string Constant = "constant";
        public const string IndexedConstant = "indexed-constant";

        public MadeWith(string member, string kind, ulong value)
        {
            Member = member;
            Kind = kind;
            Value = value;
        }

        /// <summary>The member of the held object (its field or property name).</summary>
        public string Member { get; }

        /// <summary><see cref="PhysicalSource"/>, <see cref="DeviceMemory"/>, <see cref="Constant"/> or <see cref="IndexedConstant"/> (a constant base plus an index-scaled offset).</summary>
        public string Kind { get; }

        /// <summary>The constant (as its 64 bits), for the two constant kinds.</summary>
        public ulong Value { get; }

        public bool IsConstant => Kind == Constant || Kind == IndexedConstant;

        /// <summary>The line's parameter: <c>Base: constant 0x0046C000</c>.</summary>
        public override string ToString() =>
            IsConstant ? $"{Member}: {Kind} 0x{Value.ToString("X8", CultureInfo.InvariantCulture)}" : $"{Member}: {Kind}";

        /// <summary>Reads a line's parameter; the problem, or null.</summary>
        public static string? Parse(string text, out MadeWith made)
        {
            made = default;
            var colon = text.IndexOf(':');
            if (colon <= 0)
            {
                return $"'made-with' takes '(<member>: <content>)', with the content one of '{PhysicalSource}', '{DeviceMemory}', '{Constant} 0x…', '{IndexedConstant} 0x…'; found '{text}'";
            }

            var member = text.Substring(0, colon).Trim();
            var content = text.Substring(colon + 1).Trim();
            if (member.Length == 0 || member.IndexOfAny(new[] { ' ', '.', '(', ')' }) >= 0)
            {
                return $"'{member}' is not a member name (the held object's field or property, by name alone)";
            }

            if (content == PhysicalSource || content == DeviceMemory)
            {
                made = new MadeWith(member, content, 0);
                return null;
            }

            var space = content.IndexOf(' ');
            var kind = space < 0 ? content : content.Substring(0, space);
            if (kind != Constant && kind != IndexedConstant)
            {
                return $"unknown content '{content}' of member '{member}' (expected '{PhysicalSource}', '{DeviceMemory}', '{Constant} 0x…' or '{IndexedConstant} 0x…')";
            }

            var number = space < 0 ? string.Empty : content.Substring(space + 1).Trim();
            if (!number.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                || !ulong.TryParse(number.Substring(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            {
                return $"'{kind}' of member '{member}' needs a hexadecimal value ('0x…'), found '{number}'";
            }

            made = new MadeWith(member, kind, value);
            return null;
        }
    }
}
