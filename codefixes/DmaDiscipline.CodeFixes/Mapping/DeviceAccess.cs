using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DmaDiscipline.CodeFixes.Mapping
{
    /// <summary>
    /// What the device does with the memory a descriptor points at, as far as the code shows it: only
    /// reads it (WRITE bit clear), writes it (WRITE bit set), both (declared so), one or the other by a
    /// condition of the posting code, the WRITE bit of a parameter (inside a callee), or unknown.
    /// </summary>
    internal sealed class DeviceAccess
    {
        private DeviceAccess(AccessKind kind, ExpressionSyntax? condition = null, DeviceAccess? whenTrue = null, DeviceAccess? whenFalse = null, IParameterSymbol? parameter = null)
        {
            Kind = kind;
            Condition = condition;
            WhenTrue = whenTrue;
            WhenFalse = whenFalse;
            Parameter = parameter;
        }

        public static DeviceAccess Reads { get; } = new DeviceAccess(AccessKind.Reads);

        public static DeviceAccess Writes { get; } = new DeviceAccess(AccessKind.Writes);

        public static DeviceAccess ReadsAndWrites { get; } = new DeviceAccess(AccessKind.ReadsAndWrites);

        public static DeviceAccess Unknown { get; } = new DeviceAccess(AccessKind.Unknown);

        public AccessKind Kind { get; }

        /// <summary>For <see cref="AccessKind.When"/>: the condition, a node of the tree it was read from.</summary>
        public ExpressionSyntax? Condition { get; }

        public DeviceAccess? WhenTrue { get; }

        public DeviceAccess? WhenFalse { get; }

        /// <summary>For <see cref="AccessKind.WriteBitOf"/>: the flags-valued parameter whose WRITE bit decides.</summary>
        public IParameterSymbol? Parameter { get; }

        public bool IsKnown => Kind == AccessKind.Reads || Kind == AccessKind.Writes || Kind == AccessKind.ReadsAndWrites;

        public static DeviceAccess When(ExpressionSyntax condition, DeviceAccess whenTrue, DeviceAccess whenFalse)
        {
            if (whenTrue.Kind == whenFalse.Kind && whenTrue.IsKnown)
            {
                return whenTrue;
            }

            return whenTrue.IsKnown && whenFalse.IsKnown ? new DeviceAccess(AccessKind.When, condition, whenTrue, whenFalse) : Unknown;
        }

        public static DeviceAccess WriteBitOf(IParameterSymbol parameter) => new DeviceAccess(AccessKind.WriteBitOf, parameter: parameter);

        /// <summary>The other of reads/writes (a negated condition).</summary>
        public DeviceAccess Negated() => Kind switch
        {
            AccessKind.Reads => Writes,
            AccessKind.Writes => Reads,
            AccessKind.When => new DeviceAccess(AccessKind.When, Condition, WhenTrue!.Negated(), WhenFalse!.Negated()),
            _ => Unknown,
        };
    }

    /// <summary>The shapes of <see cref="DeviceAccess"/>.</summary>
    internal enum AccessKind
    {
        Unknown,
        Reads,
        Writes,
        ReadsAndWrites,
        When,
        WriteBitOf,
    }
}
