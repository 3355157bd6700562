namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// The elements of one container (an array, a collection of the libraries) as one storage location:
    /// whatever index or key a handle is stored under or read back from, it is this location. Keyed by
    /// the container's own storage (a local, a parameter, a field of this, a slot, a flow capture or the
    /// creation of a container made with an initializer).
    /// </summary>
    internal sealed class ElementKey : System.IEquatable<ElementKey>
    {
        public ElementKey(object container) => Container = container;

        public object Container { get; }

        public bool Equals(ElementKey? other) => other is not null && Container.Equals(other.Container);

        public override bool Equals(object? obj) => Equals(obj as ElementKey);

        public override int GetHashCode() => Container.GetHashCode() ^ 0x5bd1e995;
    }
}
