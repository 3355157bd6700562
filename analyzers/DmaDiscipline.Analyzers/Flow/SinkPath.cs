using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// How a parameter of a method reaches a device-visible sink: each step is where the value goes
    /// on inside one body (a call into the next wrapper, or the sink itself), ending at the sink.
    /// </summary>
    internal sealed class SinkPath
    {
        public SinkPath(string step, Location location, SinkPath? next)
        {
            Step = step;
            Location = location;
            Next = next;
        }

        /// <summary>What the value is given to here: <c>'Nic.SetReg(value)'</c>, <c>'IOPort.Write32(aData)'</c>, <c>'Desc.Addr'</c>.</summary>
        public string Step { get; }

        /// <summary>Where, inside the body, the value is given on.</summary>
        public Location Location { get; }

        public SinkPath? Next { get; }

        /// <summary>The steps joined with arrows, after <paramref name="entry"/> (the member the value entered).</summary>
        public string Describe(string entry)
        {
            var text = new StringBuilder(entry);
            for (var step = this; step is not null; step = step.Next)
            {
                text.Append(" → ").Append(step.Step);
            }

            return text.ToString();
        }

        /// <summary>The steps' locations, first to last.</summary>
        public IEnumerable<Location> Locations
        {
            get
            {
                for (var step = this; step is not null; step = step.Next)
                {
                    yield return step.Location;
                }
            }
        }

        /// <summary>How a message names a field (an auto-property by its own name).</summary>
        public static string Display(IFieldSymbol field) => $"'{field.ContainingType?.Name}.{(field.AssociatedSymbol ?? field).Name}'";

        /// <summary>How a message names a parameter of a method a value is given to.</summary>
        public static string Display(IMethodSymbol method, int ordinal)
        {
            var type = method.ContainingType?.Name ?? string.Empty;
            var parameter = ordinal < method.Parameters.Length ? method.Parameters[ordinal].Name : "value";
            if (ordinal < method.Parameters.Length && IsOverloaded(method))
            {
                // 'Ring.Post(DmaAddr address)' → 'Ring.Post(ulong address)': one overload calling another reads as two steps.
                parameter = method.Parameters[ordinal].Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + " " + parameter;
            }

            switch (method.MethodKind)
            {
                case MethodKind.PropertySet when method.AssociatedSymbol is IPropertySymbol property:
                    return property.IsIndexer ? $"'{type}[]'" : $"'{type}.{property.Name}'";
                case MethodKind.Constructor:
                    return $"'new {type}({parameter})'";
                case MethodKind.LocalFunction:
                    return $"'{method.Name}({parameter})'";
                default:
                    return $"'{type}.{method.Name}({parameter})'";
            }
        }

        /// <summary>Has the method's type another method of its name (a local function never has: none of its scope may share its name). Asked only when a message is made.</summary>
        private static bool IsOverloaded(IMethodSymbol method)
        {
            if (method.MethodKind == MethodKind.LocalFunction || method.ContainingType is null)
            {
                return false;
            }

            var count = 0;
            foreach (var member in method.ContainingType.GetMembers(method.Name))
            {
                if (member is IMethodSymbol && ++count > 1)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// The word a body shows when it calls <paramref name="method"/>: its name, a property's for a
        /// setter, the type's for a constructor or an indexer (read as <c>x[i]</c>).
        /// </summary>
        public static string CallName(IMethodSymbol method)
        {
            switch (method.MethodKind)
            {
                case MethodKind.PropertySet when method.AssociatedSymbol is IPropertySymbol property:
                    return property.IsIndexer ? method.ContainingType?.Name ?? string.Empty : property.Name;
                case MethodKind.Constructor:
                    return method.ContainingType?.Name ?? string.Empty;
                default:
                    return method.Name;
            }
        }
    }

    /// <summary>
    /// Where a value reaches something device-visible inside a body being summarised: a sink itself
    /// (<see cref="Sink"/> set) or a parameter of another method of the compilation
    /// (<see cref="Callee"/>), which may reach one in turn.
    /// </summary>
    internal sealed class SinkHit
    {
        public SinkHit(System.Collections.Immutable.ImmutableHashSet<Origin> value, IOperation site, string? sink, IMethodSymbol? callee, int ordinal,
            System.Collections.Immutable.ImmutableHashSet<Origin>? memory = null, System.Collections.Immutable.ImmutableArray<System.Collections.Immutable.ImmutableHashSet<Origin>> arguments = default,
            IFieldSymbol? field = null, IFieldSymbol? receiver = null)
        {
            Field = field;
            Receiver = receiver;
            Value = value;
            Site = site;
            Sink = sink;
            Callee = callee;
            Ordinal = ordinal;
            Memory = memory;
            Arguments = arguments;
        }

        /// <summary>A store: the address it stores through. A sink when that is device memory (from the body, or a parameter the caller gives device memory).</summary>
        public System.Collections.Immutable.ImmutableHashSet<Origin>? Memory { get; }

        /// <summary>A store into a field (or an auto-property's backing field) of the compilation: a sink when some body gives what the field holds to one.</summary>
        public IFieldSymbol? Field { get; }

        /// <summary>A call on an object kept in a field (<c>_ring.Write32(…)</c>): that field, to tell whether the callee's stores through its receiver's own address are device-visible.</summary>
        public IFieldSymbol? Receiver { get; }

        /// <summary>A call: every argument's value, to tell which of the callee's parameters get device memory.</summary>
        public System.Collections.Immutable.ImmutableArray<System.Collections.Immutable.ImmutableHashSet<Origin>> Arguments { get; }

        public System.Collections.Immutable.ImmutableHashSet<Origin> Value { get; }

        public IOperation Site { get; }

        public string? Sink { get; }

        public IMethodSymbol? Callee { get; }

        public int Ordinal { get; }
    }
}
