using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DmaDiscipline.CodeFixes.Editing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.CodeFixes.Mapping
{
    /// <summary>
    /// A direction a DMA001 fix maps with: the expression it writes and the words its title uses.
    /// Known from the descriptor (<see cref="DescriptorDirection"/>) or from what the method does with the
    /// buffer, there is one; unknown, there are three — Bidirectional first (right whatever the device
    /// does), then ToDevice and FromDevice — each named, never a silent guess.
    /// </summary>
    internal sealed class DirectionChoice
    {
        private const string Bidirectional = "DmaDiscipline.Runtime.DmaDirection.Bidirectional";
        private const string ToDevice = "DmaDiscipline.Runtime.DmaDirection.ToDevice";
        private const string FromDevice = "DmaDiscipline.Runtime.DmaDirection.FromDevice";

        private DirectionChoice(string text, string title, string keySuffix = "")
        {
            Text = text;
            Title = title;
            KeySuffix = keySuffix;
        }

        /// <summary>The direction expression (fully qualified; simplified when inserted).</summary>
        public string Text { get; }

        /// <summary>The direction and why, for the fix's title.</summary>
        public string Title { get; }

        /// <summary>Appended to the fix's equivalence key when this is an alternative rather than the preferred choice.</summary>
        public string KeySuffix { get; }

        /// <summary>True for a condition over two directions (a single map call cannot be shared by a scatter list).</summary>
        public bool IsConditional => Text.Contains("?");

        /// <summary>
        /// How to test the WRITE bit (2) of a flags value of <paramref name="type"/>: the layout's <c>VirtqDescFlags.Write</c>,
        /// the member of another enum whose value is that bit (the driver's own flags, cast to the layout's by value), or the
        /// bit itself for an integer. Null when the type has no such member.
        /// </summary>
        private static string? WriteMask(SemanticModel model, ITypeSymbol type, int position)
        {
            if (SymbolEqualityComparer.Default.Equals(type, model.Compilation.GetTypeByMetadataName(RuntimeSymbols.Namespace + ".Virtio.VirtqDescFlags")))
            {
                return "DmaDiscipline.Runtime.Virtio.VirtqDescFlags.Write";
            }

            if (type.TypeKind == TypeKind.Enum)
            {
                var member = type.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(f => f.HasConstantValue && System.Convert.ToUInt64(f.ConstantValue, System.Globalization.CultureInfo.InvariantCulture) == DescriptorDirection.WriteBit);
                return member is null ? null : $"{type.ToMinimalDisplayString(model, position)}.{member.Name}";
            }

            return type.SpecialType switch
            {
                SpecialType.System_Byte or SpecialType.System_UInt16 or SpecialType.System_UInt32 or SpecialType.System_UInt64
                    or SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_Int32 or SpecialType.System_Int64 => DescriptorDirection.WriteBit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => null,
            };
        }

        /// <summary>
        /// The choices for the buffer whose address is <paramref name="sink"/>: <paramref name="cpuFilled"/> when the CPU wrote it
        /// before posting, <paramref name="cpuReadsAfter"/> when the method reads it once the device is done.
        /// </summary>
        public static List<DirectionChoice> For(SemanticModel model, ExpressionSyntax sink, StatementSyntax statement, bool cpuFilled, bool cpuReadsAfter, CancellationToken cancellationToken)
        {
            var writes = cpuFilled ? Bidirectional : FromDevice;
            var writesWhy = cpuFilled ? "Bidirectional: the device writes a buffer the CPU filled" : "FromDevice: the descriptor is device-writable";
            var access = DescriptorDirection.Of(model, sink, cancellationToken);
            if (access.Kind == AccessKind.WriteBitOf && access.Parameter is { } flags
                && WriteMask(model, flags.Type, statement.SpanStart) is { } mask
                && model.LookupSymbols(statement.SpanStart, name: flags.Name).Any(s => SymbolEqualityComparer.Default.Equals(s, flags)))
            {
                var condition = $"({flags.Name} & {mask}) != 0";
                return One($"{condition} ? {writes} : {ToDevice}", $"{Short(writes)} when '{flags.Name}' has WRITE, else ToDevice");
            }

            switch (access.Kind)
            {
                case AccessKind.Writes:
                    return One(writes, writesWhy);
                case AccessKind.Reads:
                    return One(ToDevice, "ToDevice: the device only reads it");
                case AccessKind.ReadsAndWrites:
                    return One(Bidirectional, "Bidirectional: the device reads and writes it");
                case AccessKind.When when access.Condition is { } condition && InMethodOf(condition, statement)
                    && Stable.IsInScope(model, condition, statement.SpanStart, cancellationToken):
                    {
                        var whenTrue = access.WhenTrue!.Kind == AccessKind.Writes ? writes : ToDevice;
                        var whenFalse = access.WhenFalse!.Kind == AccessKind.Writes ? writes : ToDevice;
                        var text = condition.WithoutTrivia().ToString();
                        var guarded = condition is ConditionalExpressionSyntax || condition is AssignmentExpressionSyntax || condition is LambdaExpressionSyntax ? "(" + text + ")" : text;
                        return One($"{guarded} ? {whenTrue} : {whenFalse}", $"{Short(whenTrue)} when {text}, else {Short(whenFalse)}");
                    }
            }

            if (cpuReadsAfter)
            {
                return One(writes, cpuFilled ? "Bidirectional: the CPU fills it and reads it back" : "FromDevice: the CPU reads it once the device is done");
            }

            return new List<DirectionChoice>
            {
                new DirectionChoice(Bidirectional, "Bidirectional: nothing shows which way the device uses it"),
                new DirectionChoice(ToDevice, "ToDevice, if the device only reads it", "ToDevice"),
                new DirectionChoice(FromDevice, "FromDevice, if the device only writes it", "FromDevice"),
            };
        }

        private static List<DirectionChoice> One(string text, string title) => new List<DirectionChoice> { new DirectionChoice(text, title) };

        private static string Short(string direction) => direction.Substring(direction.LastIndexOf('.') + 1);

        private static bool InMethodOf(SyntaxNode node, SyntaxNode statement)
        {
            var member = statement.Ancestors().OfType<MemberDeclarationSyntax>().FirstOrDefault();
            return member is not null && node.SyntaxTree == statement.SyntaxTree && member.Span.Contains(node.Span);
        }
    }
}
