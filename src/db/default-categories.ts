/** The categories every new user starts with; their keywords drive category suggestions. */
export const DEFAULT_CATEGORIES: readonly { name: string; color: string; keywords: string[] }[] = [
  {
    name: 'Food & Dining',
    color: '#e4572e',
    keywords: [
      'restaurant',
      'lunch',
      'dinner',
      'breakfast',
      'cafe',
      'coffee',
      'pizza',
      'burger',
      'sushi',
    ],
  },
  {
    name: 'Groceries',
    color: '#76b041',
    keywords: ['grocery', 'groceries', 'supermarket', 'market', 'bakery', 'whole foods', 'costco'],
  },
  {
    name: 'Transport',
    color: '#17bebb',
    keywords: ['uber', 'lyft', 'taxi', 'bus', 'train', 'metro', 'fuel', 'gas station', 'parking'],
  },
  {
    name: 'Housing',
    color: '#2e86ab',
    keywords: ['rent', 'mortgage', 'electricity', 'water bill', 'internet', 'utilities'],
  },
  {
    name: 'Entertainment',
    color: '#a23b72',
    keywords: ['movie', 'cinema', 'netflix', 'spotify', 'concert', 'theater', 'games'],
  },
  {
    name: 'Health',
    color: '#f18f01',
    keywords: ['pharmacy', 'doctor', 'dentist', 'gym', 'hospital', 'medicine'],
  },
  {
    name: 'Shopping',
    color: '#6c757d',
    keywords: ['amazon', 'clothing', 'shoes', 'electronics', 'books', 'gift'],
  },
];
